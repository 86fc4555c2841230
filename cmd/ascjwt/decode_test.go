package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// decoded is decode's stdout.
type decoded struct {
	Header map[string]any `json:"header"`
	Claims map[string]any `json:"claims"`
}

func parseDecoded(t *testing.T, stdout string) decoded {
	t.Helper()
	var d decoded
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("stdout is not the header and claims as JSON: %v\n%s", err, stdout)
	}
	return d
}

func TestDecode(t *testing.T) {
	h := newHarness(t)
	srv, creds := h.withServer()
	k := srv.Key()
	// A fixed clock, so that "expires in" is exact: iat is backdated a
	// minute, so a 20-minute token has 19 minutes left.
	now := time.Now().Truncate(time.Second)
	h.sys.now = func() time.Time { return now }
	tok := strings.TrimSpace(h.run(append([]string{"token", "--scope", "GET /v1/apps?a=1&b=2"}, creds...)...).stdout)
	keyPath := creds[len(creds)-1]
	pubDER, _ := x509.MarshalPKIXPublicKey(&k.PrivateKey.PublicKey)
	pubPath := filepath.Join(h.sys.workDir, "pub.pem")
	os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)

	t.Run("argument, no key", func(t *testing.T) {
		r := h.run("decode", tok)
		r.expect(t, exitOK, "issued:", "expires:", "expires in: 19m\n", "lifetime:   20m", "1m ago")
		d := parseDecoded(t, r.stdout)
		if d.Header["alg"] != "ES256" || d.Header["kid"] != k.ID || d.Header["typ"] != "JWT" || d.Claims["iss"] != k.IssuerID || d.Claims["aud"] != "appstoreconnect-v1" {
			t.Errorf("decoded %+v", d)
		}
		if !strings.Contains(r.stdout, `"GET /v1/apps?a=1&b=2"`) {
			t.Errorf("the scope is not shown as it is (no \\u0026):\n%s", r.stdout)
		}
		if !strings.Contains(r.stdout, "\n  \"header\": {\n    \"alg\"") {
			t.Errorf("not indented:\n%s", r.stdout)
		}
	})

	for _, tc := range []struct{ name, stdin string }{
		{"stdin with -", tok + "\n"},
		{"stdin, Authorization header pasted", "Authorization: Bearer " + tok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.stdin = tc.stdin
			defer func() { h.stdin = "" }()
			args := []string{"decode", "-"}
			if strings.HasPrefix(tc.stdin, "Auth") {
				args = args[:1]
			}
			r := h.run(args...)
			r.expect(t, exitOK)
			parseDecoded(t, r.stdout)
		})
	}

	t.Run("verified with the .p8", func(t *testing.T) {
		h.run("decode", "--key", keyPath, tok).expect(t, exitOK, "verified")
	})
	t.Run("verified with the public key PEM, flag after the token", func(t *testing.T) {
		h.run("decode", tok, "--key", pubPath).expect(t, exitOK, "verified")
	})

	parts := strings.Split(tok, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(claims), k.IssuerID, "00000000-0000-0000-0000-000000000000", 1))) + "." + parts[2]
	t.Run("tampered", func(t *testing.T) {
		r := h.run("decode", "--key", keyPath, forged)
		r.expect(t, exitFail, `refused by rule "signature"`)
		parseDecoded(t, r.stdout) // still shown, to see what was changed
	})
	t.Run("other key", func(t *testing.T) {
		other := h.addKeyPEM("other.p8", apitest.NewKey(t))
		h.run("decode", "--key", other, tok).expect(t, exitFail, `refused by rule "signature"`)
	})

	t.Run("expired", func(t *testing.T) {
		later := now.Add(30 * time.Minute)
		h.sys.now = func() time.Time { return later }
		defer func() { h.sys.now = func() time.Time { return now } }()
		h.run("decode", tok).expect(t, exitOK, "expired:    11m ago", "issued:     "+time.Unix(now.Unix()-60, 0).UTC().Format("2006-01-02 15:04:05 UTC")+", 31m ago")
		h.run("decode", "--key", keyPath, tok).expect(t, exitFail, `refused by rule "exp"`, "expired")
	})
}

func TestDecodeBadInput(t *testing.T) {
	h := newHarness(t)
	_, creds := h.withServer()
	tok := strings.TrimSpace(h.run(append([]string{"token"}, creds...)...).stdout)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384Path := h.addKeyPEM("p384.p8", p384)
	p384Pub, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	p384PubPath := filepath.Join(h.sys.workDir, "p384.pub")
	os.WriteFile(p384PubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: p384Pub}), 0o644)
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  []string
	}{
		{"not a JWS", []string{"abc"}, "", exitFail, []string{"malformed token", "three base64url parts"}},
		{"four parts", []string{tok + ".x"}, "", exitFail, []string{"malformed token"}},
		{"header not base64", []string{"!!!." + b64("{}") + ".AA"}, "", exitFail, []string{"malformed token", "header is not base64url"}},
		{"payload not JSON", []string{b64(`{"alg":"ES256"}`) + "." + b64("nope") + ".AA"}, "", exitFail, []string{"malformed token", "payload"}},
		{"payload an array", []string{b64(`{"alg":"ES256"}`) + "." + b64("[1]") + ".AA"}, "", exitFail, []string{"malformed token"}},
		{"empty stdin", nil, "", exitFail, []string{"no token"}},
		{"huge stdin", []string{"-"}, strings.Repeat("a", maxTokenInput+10), exitFail, []string{"over 65536 bytes", "a token is well under 8 KiB"}},
		{"two tokens", []string{tok, tok}, "", exitUsage, []string{"want one token"}},
		{"key missing", []string{"--key", "/nonexistent.p8", tok}, "", exitFail, []string{"--key", "/nonexistent.p8"}},
		{"P-384 private key", []string{"--key", p384Path, tok}, "", exitFail, []string{"P-384"}},
		{"P-384 public key", []string{"--key", p384PubPath, tok}, "", exitFail, []string{"not on P-256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.stdin = tc.stdin
			r := h.run(append([]string{"decode"}, tc.args...)...)
			r.expect(t, tc.code, tc.want...)
			if r.stdout != "" {
				t.Errorf("stdout on failure: %q", r.stdout)
			}
		})
	}
}
