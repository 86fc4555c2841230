package maps_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/maps"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestBadConfigsAreRefusedWithoutQuotingTheValue(t *testing.T) {
	key := newKey(t)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	pasted := base64.StdEncoding.EncodeToString(der) // a key in the wrong field
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	good := maps.Config{KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", PrivateKey: key}
	cases := []struct {
		name   string
		edit   func(*maps.Config)
		secret string // must not appear in the error
		want   string
	}{
		{"empty key ID", func(c *maps.Config) { c.KeyID = "" }, "", "Config.KeyID is empty"},
		{"key in key ID", func(c *maps.Config) { c.KeyID = pasted }, pasted, "private key"},
		{"short team ID", func(c *maps.Config) { c.TeamID = "SECRET1" }, "SECRET1", "10 characters"},
		{"lower-case team ID", func(c *maps.Config) { c.TeamID = "secret1234" }, "secret1234", "upper-case"},
		{"spaces", func(c *maps.Config) { c.KeyID = " ABC123DEF" }, "ABC123DEF", "white space"},
		{"no key", func(c *maps.Config) { c.PrivateKey = nil }, "", "PrivateKey"},
		{"P-384 key", func(c *maps.Config) { c.PrivateKey = p384 }, "", "P-256"},
		{"short lifetime", func(c *maps.Config) { c.Lifetime = time.Minute }, "", "Lifetime"},
		{"negative lifetime", func(c *maps.Config) { c.Lifetime = -time.Hour }, "", "Lifetime"},
		{"long lifetime", func(c *maps.Config) { c.Lifetime = 400 * 24 * time.Hour }, "", "Lifetime"},
		{"http token URL", func(c *maps.Config) { c.TokenURL = "http://maps.example.com/v1/token" }, "", "https"},
		{"token URL with password", func(c *maps.Config) { c.TokenURL = "https://u:hunter2hunter2@maps.example.com/v1/token" }, "hunter2hunter2", "password"},
		{"relative token URL", func(c *maps.Config) { c.TokenURL = "/v1/token" }, "", "no host"},
		{"loopback-looking name over http", func(c *maps.Config) { c.TokenURL = "http://127.evil.example/v1/token" }, "", "https"},
	}
	for _, tc := range cases {
		cfg := good
		tc.edit(&cfg)
		_, err := maps.NewTokenSource(cfg)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "maps: ") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q, want the maps: prefix and %q", tc.name, msg, tc.want)
		}
		if tc.secret != "" && strings.Contains(msg, tc.secret) {
			t.Errorf("%s: the error quotes the refused value", tc.name)
		}
		if _, err := maps.NewJSTokenSource(cfg); err == nil {
			t.Errorf("%s: NewJSTokenSource accepted", tc.name)
		}
	}
	for _, u := range []string{"", "https://maps.example.com/v1/token", "http://127.0.0.1:8080/v1/token", "http://[::1]/v1/token", "http://localhost/v1/token"} {
		cfg := good
		cfg.TokenURL = u
		if _, err := maps.NewTokenSource(cfg); err != nil {
			t.Errorf("TokenURL %q refused: %v", u, err)
		}
	}
}

func TestConfigPrintsWithoutTheKey(t *testing.T) {
	key := newKey(t)
	cfg := maps.Config{KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", PrivateKey: key}
	raw, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	d := new(big.Int).SetBytes(raw).String()
	dx := fmt.Sprintf("%x", raw)
	js, _ := json.Marshal(cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%x", cfg), fmt.Sprintf("%v", &cfg), string(js)} {
		if strings.Contains(out, d) || strings.Contains(out, dx) || !strings.Contains(out, "ABC123DEFG") {
			t.Errorf("printed config %q shows the key or hides the key ID", out)
		}
	}
}

func TestOriginsThatCannotMatchAreRefused(t *testing.T) {
	for _, o := range []string{
		"https://www.example.com", "http://localhost:8080", "https://example.com:8443",
		"http://127.0.0.1:3000", "https://[::1]:8443", "safari-web-extension://1e70cb50-300c-47b7-898c-5c082f836d7d",
		"https://xn--bcher-kva.example",
	} {
		if err := maps.CheckOrigin(o); err != nil {
			t.Errorf("%q refused: %v", o, err)
		}
	}
	for _, tc := range []struct{ origin, want string }{
		{"", "empty"},
		{"maps.mysite.test", "no scheme"},
		{"https://www.example.com/", "ends in a slash"},
		{"https://www.example.com/maps", "path"},
		{"https://*.example.com", "wildcard"},
		{"*", "wildcard"},
		{"https://WWW.example.com", "upper-case"},
		{"HTTPS://www.example.com", "upper-case"},
		{"https://www.example.com:443", "default port"},
		{"http://www.example.com:80", "default port"},
		{"https://www.example.com:0", "port"},
		{"https://www.example.com:99999", "port"},
		{"https://www.example.com:", "port"},
		{"https://www.example.com?x=1", "query"},
		{"https://www.example.com#top", "fragment"},
		{"https://user@www.example.com", "user"},
		{"https://www.exam ple.com", "white space"},
		{"https://bücher.example", "non-ASCII"},
		{"https://", "no host"},
		{"null", "no scheme"},
		{"https://" + strings.Repeat("a", 400) + ".com", "longer"},
	} {
		err := maps.CheckOrigin(tc.origin)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error about %q", tc.origin, err, tc.want)
			continue
		}
		if len(tc.origin) > 8 && strings.Contains(err.Error(), tc.origin) {
			t.Errorf("%q: the error quotes the origin", tc.origin)
		}
	}
	cfg := maps.Config{KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", PrivateKey: newKey(t)}
	if _, err := maps.NewJSTokenSource(cfg, "https://a.example", "https://a.example"); err == nil || !strings.HasPrefix(err.Error(), "maps: ") {
		t.Errorf("a repeated origin: %v, want refused", err)
	}
	if _, err := maps.NewJSTokenSource(cfg, "https://a.example/"); err == nil || !strings.Contains(err.Error(), "maps: origin 1 of 1") {
		t.Errorf("a trailing slash: %v, want refused naming the origin's position", err)
	}
	if _, err := maps.NewJSTokenSource(cfg, make([]string, maps.MaxOrigins+1)...); err == nil {
		t.Error("more than MaxOrigins accepted")
	}
}
