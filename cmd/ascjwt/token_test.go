package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/faketest"
)

var oneToken = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$`)

// verifyToken checks that stdout is exactly one token and newline, and that
// the token passes Apple's rules for the server's key.
func verifyToken(t *testing.T, stdout string, srv *asctest.Server, opts asctest.VerifyOptions) *asctest.Token {
	t.Helper()
	if !oneToken.MatchString(stdout) {
		t.Fatalf("stdout is not one token and a newline: %q", stdout)
	}
	k := srv.Key()
	if opts.KeyID == "" {
		opts.KeyID = k.ID
	}
	tok, err := asctest.Verify(strings.TrimSuffix(stdout, "\n"), &k.PrivateKey.PublicKey, opts)
	if err != nil {
		t.Fatalf("the token fails Apple's rules: %v", err)
	}
	return tok
}

func TestToken(t *testing.T) {
	h := newHarness(t)
	srv, creds := h.withServer()
	k := srv.Key()

	t.Run("flags", func(t *testing.T) {
		r := h.run(append([]string{"token"}, creds...)...)
		r.expect(t, exitOK)
		if r.stderr != "" {
			t.Errorf("stderr: %s", r.stderr)
		}
		tok := verifyToken(t, r.stdout, srv, asctest.VerifyOptions{IssuerID: k.IssuerID})
		if got := tok.Claims.Expiry - tok.Claims.IssuedAt; got != 20*60 {
			t.Errorf("lifetime %ds, want the default 20 minutes", got)
		}
	})

	t.Run("environment", func(t *testing.T) {
		h := newHarness(t)
		h.rememberSecret(string(k.PEM()))
		h.env = map[string]string{"ASC_KEY_ID": k.ID, "ASC_ISSUER_ID": k.IssuerID, "ASC_PRIVATE_KEY": string(k.PEM())}
		r := h.run("token")
		r.expect(t, exitOK)
		verifyToken(t, r.stdout, srv, asctest.VerifyOptions{IssuerID: k.IssuerID})
	})

	t.Run("key ID from the file name, key found in ~/.appstoreconnect/private_keys", func(t *testing.T) {
		h := newHarness(t)
		dir := filepath.Join(h.sys.homeDir, ".appstoreconnect", "private_keys")
		os.MkdirAll(dir, 0o700)
		h.rememberSecret(string(k.PEM()))
		os.WriteFile(filepath.Join(dir, "AuthKey_"+k.ID+".p8"), k.PEM(), 0o600)
		h.env = map[string]string{"APP_STORE_CONNECT_API_KEY_KEY_ID": k.ID, "APP_STORE_CONNECT_API_KEY_ISSUER_ID": k.IssuerID}
		r := h.run("token")
		r.expect(t, exitOK)
		verifyToken(t, r.stdout, srv, asctest.VerifyOptions{IssuerID: k.IssuerID})
	})

	t.Run("scope, bundle ID, 60 minutes", func(t *testing.T) {
		r := h.run(append([]string{"token", "--scope", "GET /v1/apps?filter[platform]=IOS", "--scope", "GET /v1/apps/1",
			"--bundle-id", "com.example.app", "--lifetime", "60m"}, creds...)...)
		r.expect(t, exitOK)
		tok := verifyToken(t, r.stdout, srv, asctest.VerifyOptions{IssuerID: k.IssuerID})
		c := tok.Claims
		if !slices.Equal(c.Scope, []string{"GET /v1/apps?filter[platform]=IOS", "GET /v1/apps/1"}) || c.BundleID != "com.example.app" || c.Expiry-c.IssuedAt != 3600 {
			t.Errorf("claims %+v", c)
		}
	})

	t.Run("enterprise audience", func(t *testing.T) {
		r := h.run(append([]string{"token", "--audience", ascjwt.AudienceEnterprise}, creds...)...)
		r.expect(t, exitOK)
		verifyToken(t, r.stdout, srv, asctest.VerifyOptions{IssuerID: k.IssuerID, Audience: ascjwt.AudienceEnterprise})
	})

	t.Run("individual key, told on stderr", func(t *testing.T) {
		ind := srv.AddIndividualKey()
		h := newHarness(t)
		path := h.addKeyPEM("AuthKey_"+ind.ID+".p8", ind.PrivateKey)
		r := h.run("token", "--key", path)
		r.expect(t, exitOK, "individual key")
		if !oneToken.MatchString(r.stdout) {
			t.Fatalf("stdout %q", r.stdout)
		}
		if _, err := asctest.Verify(strings.TrimSpace(r.stdout), &ind.PrivateKey.PublicKey, asctest.VerifyOptions{KeyID: ind.ID, Individual: true}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("the token works against the server", func(t *testing.T) {
		r := h.run(append([]string{"token"}, creds...)...)
		resp := faketest.Get(t, srv.Client(), srv.URL+"/v1/apps", faketest.Bearer(strings.TrimSpace(r.stdout)))
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s", resp.Status, srv.Stats().LastRejection)
		}
	})
}

func TestTokenBadInput(t *testing.T) {
	h := newHarness(t)
	_, creds := h.withServer()
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384Path := h.addKeyPEM("AuthKey_P384KEY123.p8", p384)
	junk := filepath.Join(h.sys.workDir, "junk.p8")
	os.WriteFile(junk, []byte("not a key, at all!"), 0o600)

	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"nothing configured", []string{}, exitUsage, []string{"no key ID: set --key-id or ASC_KEY_ID (or APP_STORE_CONNECT_API_KEY_KEY_ID", "--api-key-json"}},
		{"no key", []string{"--key-id", "ABC123"}, exitUsage, []string{"no private key for key ID ABC123: set --key or ASC_PRIVATE_KEY_PATH", "~/.appstoreconnect/private_keys"}},
		{"key file missing", []string{"--key", filepath.Join(h.sys.workDir, "AuthKey_NOPE.p8")}, exitUsage, []string{"--key", "AuthKey_NOPE.p8", "no such file"}},
		{"key file unreadable (a directory)", []string{"--key-id", "ABC123", "--key", h.sys.workDir}, exitUsage, []string{"--key", "is a directory"}},
		{"key file junk", []string{"--key-id", "ABC123", "--key", junk}, exitUsage, []string{"junk.p8", "neither PEM nor base64"}},
		{"wrong curve", []string{"--key", p384Path}, exitUsage, []string{"P-384", "P-256"}},
		{"lifetime over the limit", append([]string{"--lifetime", "21m"}, creds...), exitUsage, []string{"--lifetime 21m is over Apple's limit of 20 minutes"}},
		{"lifetime over the bundle limit", append([]string{"--lifetime", "61m", "--bundle-id", "com.example.app"}, creds...), exitUsage, []string{"over Apple's limit of 60 minutes"}},
		{"lifetime too short", append([]string{"--lifetime", "1m"}, creds...), exitUsage, []string{"--lifetime 1m0s is shorter than 5m"}},
		{"lifetime not a duration", []string{"--lifetime", "20"}, exitUsage, []string{"invalid value", "-lifetime"}},
		{"malformed scope", append([]string{"--scope", "GET"}, creds...), exitUsage, []string{"--scope", "METHOD /path"}},
		{"stray argument", append([]string{"extra"}, creds...), exitUsage, []string{`unexpected argument "extra"`}},
		{"bad audience", append([]string{"--audience", " x"}, creds...), exitUsage, []string{"Audience"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.run(append([]string{"token"}, tc.args...)...)
			r.expect(t, tc.code, tc.want...)
			if r.stdout != "" {
				t.Errorf("stdout on failure: %q", r.stdout)
			}
		})
	}
}

func TestTokenUsesInjectedClock(t *testing.T) {
	h := newHarness(t)
	srv, creds := h.withServer()
	past := time.Now().Add(-time.Hour)
	h.sys.now = func() time.Time { return past }
	r := h.run(append([]string{"token"}, creds...)...)
	r.expect(t, exitOK)
	tok := verifyToken(t, r.stdout, srv, asctest.VerifyOptions{Now: past})
	if tok.Claims.IssuedAt > past.Unix() {
		t.Fatalf("iat %d is after the injected clock %d", tok.Claims.IssuedAt, past.Unix())
	}
}
