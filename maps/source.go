package maps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/token"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// NewTokenSource checks cfg and returns an [ascjwt.TokenSource] of Maps
// Server API access tokens: each one fetched from the token endpoint with a
// JWT signed by cfg's key, and held until shortly before it expires. It
// refuses, with an error that says what to change, what Apple would refuse
// later: an ID that is not 10 upper-case letters and digits, a key that is
// not P-256, a lifetime out of bounds, a TokenURL that is not https. It
// makes no token yet; the first call to Token does.
//
// The source is an [ascjwt.Invalidator], so that [ascjwt.Transport] drops an
// access token the Maps API refuses with 401 and retries with a new one,
// and an [ascjwt.HostScoped] for [Host]: the Transport sends its tokens
// there (and to loopback, for tests) and to no other host.
func NewTokenSource(cfg Config) (ascjwt.TokenSource, error) {
	set, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	s := &source{settings: set}
	s.jwt = newJWTCache(set, "", serverScope)
	s.cache = tokencache.New(tokencache.Config[ascjwt.Token]{
		Mint:         s.exchange,
		Timeout:      ExchangeTimeout,
		Now:          set.now,
		DropInterval: dropInterval,
		Label:        "maps: the token endpoint",
		Prefix:       "maps",
		Minted:       token.Minted(set.hooks, set.keyID),
		Failed:       token.Failed(set.hooks, set.keyID),
	})
	return s, nil
}

// serverScope is the "scope" claim of a JWT for the Maps Server API: "To
// use Maps Server API, set the value to "server_api"" ("Creating and using
// tokens with Maps Server API").
const serverScope = "server_api"

// dropInterval is how often a 401 from the Maps API may drop an access
// token. Each 401 with the current token drops it and costs one exchange;
// an API that refuses every new token too (a proxy that strips the header,
// say) then costs one exchange a minute, not one per request.
const dropInterval = time.Minute

// source makes Maps Server API access tokens. jwt holds the signed JWT, for
// its own life; cache holds the access token exchanged for it.
type source struct {
	*settings
	jwt   *tokencache.Cache[string]
	cache *tokencache.Cache[ascjwt.Token]
}

// Token implements [ascjwt.TokenSource]: a cached access token costs one
// atomic load; a new one is fetched in the background while the current
// one is still good, and waited for only in its last minute.
func (s *source) Token(ctx context.Context) (*ascjwt.Token, error) { return s.cache.Token(ctx) }

// InvalidateToken implements [ascjwt.Invalidator]: it drops tok if it is
// still the current access token, so that however many requests the Maps
// API refused with it, one exchange follows.
func (s *source) InvalidateToken(tok *ascjwt.Token) { s.cache.Invalidate(tok) }

// TokenAccepted implements [ascjwt.AcceptanceRecorder]: an access token
// the Maps API accepted and then refuses is exchanged anew at once.
func (s *source) TokenAccepted(tok *ascjwt.Token) { s.cache.Accepted(tok) }

// TokenHosts implements [ascjwt.HostScoped]: access tokens are for the Maps
// Server API's host only.
func (s *source) TokenHosts() []string { return []string{Host} }

// Limits on the token endpoint's answer. Apple's is under a kilobyte, and
// its access token lives 1,800 seconds.
const (
	maxAnswer         = 64 << 10
	maxAccessTokenLen = 16 << 10
	maxExpiresIn      = 24 * 60 * 60
)

// exchange fetches an access token with the current JWT. ctx carries the
// caller's values but not its cancellation, and ends after ExchangeTimeout
// (tokencache does both), so that one impatient caller does not fail the
// exchange others wait for, and a hanging endpoint is bounded.
func (s *source) exchange(ctx context.Context, now time.Time) (ascjwt.Token, tokencache.Lifetimes, error) {
	jwt, err := s.jwt.Token(ctx)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.tokenURL, nil)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("maps: make the token request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+*jwt)
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("maps: fetch an access token: %w", err)
	}
	body, err := readAnswer(resp)
	if err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, err
	}
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode == http.StatusUnauthorized {
			// Apple refused the JWT, not an access token: a new exchange
			// with the same JWT would be refused too.
			s.jwt.Invalidate(jwt)
		}
		return ascjwt.Token{}, tokencache.Lifetimes{}, newExchangeError(resp, body, *jwt)
	}
	var answer struct {
		AccessToken      string `json:"accessToken"`
		ExpiresInSeconds int64  `json:"expiresInSeconds"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("maps: the token endpoint answered 200 with %s that is not the JSON of an access token; is Config.TokenURL the token endpoint?", describeBody(body))
	}
	if err := checkAccessToken(answer.AccessToken); err != nil {
		return ascjwt.Token{}, tokencache.Lifetimes{}, err
	}
	if answer.ExpiresInSeconds <= 0 || answer.ExpiresInSeconds > maxExpiresIn {
		return ascjwt.Token{}, tokencache.Lifetimes{}, fmt.Errorf("maps: the token endpoint answered an access token with expiresInSeconds %d, outside 1 to %d; is Config.TokenURL the token endpoint?", answer.ExpiresInSeconds, maxExpiresIn)
	}
	// The life counts from before the request was sent, so that the token
	// is never held past the moment Apple lets it go.
	life := time.Duration(answer.ExpiresInSeconds) * time.Second
	tok := token.New(answer.AccessToken, now, now.Add(life)) // its Authorization value made once
	return tok, accessLifetimes(now, life), nil
}

// accessLifetimes keeps an access token fresh for three quarters of its
// life, and usable until its last minute (its last quarter, for a token
// that lives under four minutes).
func accessLifetimes(now time.Time, life time.Duration) tokencache.Lifetimes {
	return tokencache.Lifetimes{RefreshAt: now.Add(life * 3 / 4), ExpireAt: now.Add(life - min(time.Minute, life/4))}
}

// checkAccessToken refuses an access token that cannot go in a header as it
// is, describing it without quoting it.
func checkAccessToken(v string) error {
	if v == "" {
		return fmt.Errorf("maps: the token endpoint answered 200 without an accessToken; is Config.TokenURL the token endpoint?")
	}
	if len(v) > maxAccessTokenLen {
		return fmt.Errorf("maps: the token endpoint answered an accessToken of %d bytes, more than the %d a token can be", len(v), maxAccessTokenLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return fmt.Errorf("maps: the token endpoint answered an accessToken with a character that cannot go in an Authorization header (at byte %d of %d)", i, len(v))
		}
	}
	return nil
}
