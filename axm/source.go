package axm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/redact"
	"github.com/ascjwt/ascjwt/internal/token"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// NewTokenSource checks cfg and returns an [ascjwt.TokenSource] of access
// tokens for the Apple School Manager or Apple Business Manager API. It
// refuses, with an error that says what to change, what Apple would refuse
// later: a missing key ID, a client ID without its BUSINESSAPI. or
// SCHOOLAPI. prefix, a scope that does not match it, a key that is not
// P-256, an assertion lifetime over 180 days, a token URL the assertion
// should not go to. It makes no exchange yet; the first call to Token does.
//
// The source is also an [ascjwt.Invalidator], so that [ascjwt.Transport]
// drops a token the API refuses with 401, and an [ascjwt.HostScoped], so
// that the Transport sends its tokens to the API of the client ID's kind
// (and loopback, for tests) and to no other host.
func NewTokenSource(cfg Config) (ascjwt.TokenSource, error) {
	set, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	s := &source{settings: set}
	label := "axm: the token endpoint for key " + set.keyID
	s.cache = tokencache.New(tokencache.Config[ascjwt.Token]{
		Mint:         s.mint,
		Local:        false, // a network round trip: run apart from callers, with a timeout
		Timeout:      exchangeTimeout,
		Now:          set.now,
		DropInterval: dropInterval,
		Label:        label,
		Prefix:       "axm",
		Minted:       token.Minted(set.hooks, set.keyID),
		Failed:       token.Failed(set.hooks, set.keyID),
	})
	return s, nil
}

// exchangeTimeout bounds one exchange, whatever the callers' contexts say:
// an endpoint that hangs must not hold every caller that waits for a token,
// nor stop the next caller from trying again.
const exchangeTimeout = 30 * time.Second

// dropInterval is how often a 401 may drop an access token. A new exchange
// cures a token Apple stopped accepting (revoked, or expired early), but not
// a request the account may not make: without a bound, every such request
// would cost an exchange, and the token endpoint is shared by every caller.
const dropInterval = time.Minute

// source makes access tokens; its cache holds and replaces them.
type source struct {
	*settings
	cache *tokencache.Cache[ascjwt.Token]
}

// Token implements [ascjwt.TokenSource]. A cached token costs one atomic load
// and two time comparisons.
func (s *source) Token(ctx context.Context) (*ascjwt.Token, error) { return s.cache.Token(ctx) }

// InvalidateToken implements [ascjwt.Invalidator]: it drops tok if it is still
// the current token, so that the next caller waits for a new exchange. A
// token already replaced is left alone, so that many requests refused with
// one token cause one exchange; and at most one token is dropped a minute.
func (s *source) InvalidateToken(tok *ascjwt.Token) { s.cache.Invalidate(tok) }

// TokenAccepted implements [ascjwt.AcceptanceRecorder]: an access token the
// API accepted and then refuses is exchanged anew at once.
func (s *source) TokenAccepted(tok *ascjwt.Token) { s.cache.Accepted(tok) }

// TokenHosts implements [ascjwt.HostScoped]: an access token for
// business.api goes to api-business.apple.com, one for school.api to
// api-school.apple.com.
func (s *source) TokenHosts() []string {
	if s.scope == ScopeSchool {
		return []string{"api-school.apple.com"}
	}
	return []string{"api-business.apple.com"}
}

// Limits on the token endpoint's answer. Apple's is a few hundred bytes and
// its access token well under a kilobyte; anything far larger is not a
// token answer, and is not read into memory whole.
const (
	maxAnswer      = 64 << 10
	maxTokenLen    = 8 << 10
	maxAccessLife  = 24 * time.Hour
	defaultExpires = time.Hour // Apple's page: access tokens last one hour
)

// Form values of the exchange, from RFC 7523 and Apple's page.
const (
	grantType           = "client_credentials"
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// mint signs a new assertion and exchanges it for an access token. The
// assertion is signed afresh for each exchange rather than cached: an
// exchange happens once an hour, a signature costs microseconds, each
// assertion gets a jti of its own, and a short-lived assertion that is used
// once is worth little to anyone who copies it. The token is fresh until a
// quarter of its life is left, and usable until shortly before it expires;
// both count from before the request was sent, so that the time the
// exchange took shortens the token's use rather than stretching it.
func (s *source) mint(ctx context.Context, now time.Time) (ascjwt.Token, tokencache.Lifetimes, error) {
	assertion, err := s.assertion(ctx, now)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, err
	}
	form := url.Values{
		"grant_type":            {grantType},
		"client_id":             {s.clientID},
		"client_assertion_type": {clientAssertionType},
		"client_assertion":      {assertion},
		"scope":                 {s.scope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("axm: make the token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil && ctx.Err() != nil {
		// The exchange runs apart from callers' contexts: only its own
		// timeout ends it, and the error should say so.
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("axm: the token endpoint for key %s did not answer within %s: %w", s.keyID, exchangeTimeout, err)
	}
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("axm: exchange the assertion for an access token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("axm: read the token endpoint's answer (%s): %w", statusText(resp), err)
	}
	if len(body) > maxAnswer {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("axm: the token endpoint answered %s with more than %s; that is no token answer: check Config.TokenURL", statusText(resp), redact.Bytes(maxAnswer))
	}
	if resp.StatusCode != http.StatusOK {
		return ascjwt.Token{}, tokencache.Lifetimes{}, answerError(resp, body, assertion)
	}
	value, life, err := parseAnswer(body)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, err
	}
	tok := token.New(value, now, now.Add(life)) // its Authorization value made once
	margin := min(time.Minute, life/10)
	return tok, tokencache.Lifetimes{RefreshAt: now.Add(life * 3 / 4), ExpireAt: now.Add(life - margin)}, nil
}

// claims are the assertion's claims, in the order Apple's page lists them.
type claims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	ID        string `json:"jti"`
}

// assertion signs a client assertion at now. iat is backdated by clockSkew
// and exp is iat + the lifetime, so that an endpoint whose clock is ahead
// does not see an assertion that lives longer than asked.
func (s *source) assertion(ctx context.Context, now time.Time) (string, error) {
	jti, err := newJTI()
	if err != nil {
		return "", fmt.Errorf("axm: make the assertion's jti: %w", err)
	}
	iat := now.Add(-clockSkew).Unix()
	payload, err := json.Marshal(claims{
		Issuer: s.clientID, Subject: s.clientID, Audience: s.audience,
		IssuedAt: iat, ExpiresAt: iat + int64(s.lifetime/time.Second), ID: jti,
	})
	if err != nil {
		return "", fmt.Errorf("axm: encode the assertion's claims: %w", err)
	}
	value, err := s.signer.Sign(ctx, payload)
	if err != nil {
		return "", fmt.Errorf("axm: sign the client assertion with key %s: %w", s.keyID, err)
	}
	return value, nil
}

// newJTI returns a random version 4 UUID, the form of jti in Apple's sample:
// 122 random bits, so that no two assertions share one.
func newJTI() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// answer is the token endpoint's answer on success (RFC 6749 section 5.1).
type answer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   *int64 `json:"expires_in"`
}

// parseAnswer reads a 200 answer: the access token, which must be fit for
// an Authorization header, and its lifetime. A missing expires_in means
// Apple's one hour; a lifetime that is not positive, or longer than a day,
// is refused as not Apple's.
func parseAnswer(body []byte) (string, time.Duration, error) {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return "", 0, fmt.Errorf("axm: the token endpoint's 200 answer is not the JSON of a token (%s); check Config.TokenURL", redact.Bytes(len(body)))
	}
	if a.AccessToken == "" {
		return "", 0, fmt.Errorf("axm: the token endpoint's answer has no access_token; check Config.TokenURL")
	}
	if len(a.AccessToken) > maxTokenLen || !headerSafe(a.AccessToken) {
		// Not quoted: it may be a real token with one bad byte.
		return "", 0, fmt.Errorf("axm: the token endpoint's access_token (%s) is not a token an Authorization header can carry; check Config.TokenURL", redact.Bytes(len(a.AccessToken)))
	}
	if a.TokenType != "" && !strings.EqualFold(a.TokenType, "bearer") {
		return "", 0, fmt.Errorf("axm: the token endpoint's token_type (%s) is not Bearer; this package sends only bearer tokens", redact.Describe(a.TokenType))
	}
	life := defaultExpires
	if a.ExpiresIn != nil {
		n := *a.ExpiresIn
		if n <= 0 || n > int64(maxAccessLife/time.Second) {
			return "", 0, fmt.Errorf("axm: the token endpoint's expires_in, %d seconds, is not a lifetime Apple gives (one hour); check Config.TokenURL", n)
		}
		life = time.Duration(n) * time.Second
	}
	return a.AccessToken, life, nil
}

// headerSafe reports whether s is visible ASCII without spaces: the
// characters of RFC 6750's b64token and more, and nothing a header cannot
// carry.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
