package axm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/exchange"
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
	s.Source = exchange.NewBearer(endpoint, set.client, set.now, set.hooks, set.keyID, s.request)
	return s, nil
}

// endpoint is Apple's token endpoint as the exchange describes it in
// errors.
var endpoint = exchange.Endpoint{Package: "axm", Credential: "assertion", Format: exchange.OAuth, Hint: hint}

// source makes access tokens: the embedded exchange source holds and
// replaces them, and gives the source Token and InvalidateToken.
type source struct {
	*settings
	*exchange.Source[ascjwt.Token]
}

// TokenHosts implements [ascjwt.HostScoped]: an access token for
// business.api goes to api-business.apple.com, one for school.api to
// api-school.apple.com.
func (s *source) TokenHosts() []string {
	if s.scope == ScopeSchool {
		return []string{"api-school.apple.com"}
	}
	return []string{"api-business.apple.com"}
}

// Form values of the exchange, from RFC 7523 and Apple's page.
const (
	grantType           = "client_credentials"
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// request makes one exchange's request: a new assertion, posted as a form
// with the grant type and the scope. The assertion is signed afresh for
// each exchange rather than cached: an exchange happens once an hour, a
// signature costs microseconds, each assertion gets a jti of its own, and a
// short-lived assertion that is used once is worth little to anyone who
// copies it.
func (s *source) request(ctx context.Context, now time.Time) (exchange.Attempt, error) {
	assertion, err := s.assertion(ctx, now)
	if err != nil {
		return exchange.Attempt{}, err
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
		return exchange.Attempt{}, fmt.Errorf("axm: make the token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return exchange.Attempt{Request: req, Secret: assertion}, nil
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
