package axm

// The client assertion, and the token request that posts it, as Apple's
// "Implementing OAuth for the Apple School Manager and Apple Business API"
// describes them: a JWT signed afresh for each exchange.

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

	"github.com/ascjwt/ascjwt/internal/exchange"
)

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
