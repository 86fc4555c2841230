package mapstest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/maps"
	"github.com/ascjwt/ascjwt/maps/mapstest"
)

// sign makes a JWT by hand, so that the fake is tested on tokens our
// package would never make.
func sign(t *testing.T, key *ecdsa.PrivateKey, header, claims string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	d := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig)
}

func TestVerifyRefusesWhatAppleRefuses(t *testing.T) {
	srv := mapstest.NewServer()
	defer srv.Close()
	key := srv.Config().PrivateKey.(*ecdsa.PrivateKey)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := srv.Now().Unix()
	head := `{"alg":"ES256","kid":"` + srv.KeyID() + `","typ":"JWT"}`
	claims := func(iat, exp int64, extra string) string {
		return `{"iss":"` + srv.TeamID() + `","iat":` + big.NewInt(iat).String() + `,"exp":` + big.NewInt(exp).String() + extra + `}`
	}
	good := claims(now-60, now+3600, "")
	if _, err := srv.Verify(sign(t, key, head, good), ""); err != nil {
		t.Fatalf("a good token refused: %v", err)
	}
	for _, tc := range []struct {
		name, token, want string
	}{
		{"alg none", sign(t, key, `{"alg":"none","kid":"`+srv.KeyID()+`","typ":"JWT"}`, good), "alg"},
		{"duplicate kid", sign(t, key, `{"alg":"ES256","kid":"`+srv.KeyID()+`","kid":"`+srv.KeyID()+`","typ":"JWT"}`, good), "twice"},
		{"no typ", sign(t, key, `{"alg":"ES256","kid":"`+srv.KeyID()+`"}`, good), "typ"},
		{"unknown kid", sign(t, key, `{"alg":"ES256","kid":"AAAAAAAAAA","typ":"JWT"}`, good), "kid"},
		{"other key", sign(t, other, head, good), "signature"},
		{"expired", sign(t, key, head, claims(now-7200, now-60, "")), "expired"},
		{"iat in the future", sign(t, key, head, claims(now+120, now+3600, "")), "future"},
		{"wrong origin", sign(t, key, head, claims(now-60, now+3600, `,"origin":"https://a.example"`)), "origin"},
		{"not three parts", "a.b", "parts"},
	} {
		_, err := srv.Verify(tc.token, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}

	// The token endpoint answers a refused JWT with 401, and one whose scope
	// leaves out server_api too.
	for _, tok := range []string{sign(t, other, head, good), sign(t, key, head, claims(now-60, now+3600, `,"scope":"mapkit_js"`))} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/token", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token endpoint answered %d, want 401", resp.StatusCode)
		}
	}
	if st := srv.Stats(); st.ExchangeRefusals != 2 || st.Exchanges != 0 {
		t.Fatalf("stats %+v, want 2 refusals", st)
	}
}

func TestAccessTokensExpireOnTheServersClock(t *testing.T) {
	srv := mapstest.NewServer()
	defer srv.Close()
	srv.SetTokenLifetime(10 * time.Minute)
	src, err := maps.NewTokenSource(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Expiry.Sub(tok.IssuedAt); got != 10*time.Minute {
		t.Fatalf("access token lives %s, want the 10m the server gave", got)
	}
	call := func() int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/geocode?q=x", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Value)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := call(); code != http.StatusOK {
		t.Fatalf("fresh token: %d", code)
	}
	srv.Advance(10 * time.Minute)
	if code := call(); code != http.StatusUnauthorized {
		t.Fatalf("expired token: %d, want 401", code)
	}
	if st := srv.Stats(); st.APICalls != 1 || st.APIRefusals != 1 || st.LastRefusal != "access token expired" {
		t.Fatalf("stats %+v", st)
	}
}
