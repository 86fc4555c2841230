package maps_test

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/maps"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// configWith is a Config both constructors accept, but for the key.
func configWith(key crypto.Signer) maps.Config {
	return maps.Config{KeyID: "ABC123DEFG", TeamID: "DEF123GHIJ", PrivateKey: key}
}

func TestBadConfigsAreRefusedWithoutQuotingTheValue(t *testing.T) {
	key := apitest.NewKey(t)
	pasted := base64.StdEncoding.EncodeToString([]byte(apitest.PEM(t, key))) // a key in the wrong field
	good := configWith(key)
	edits := []struct {
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
		{"short lifetime", func(c *maps.Config) { c.Lifetime = time.Minute }, "", "Lifetime"},
		{"negative lifetime", func(c *maps.Config) { c.Lifetime = -time.Hour }, "", "Lifetime"},
		{"long lifetime", func(c *maps.Config) { c.Lifetime = 400 * 24 * time.Hour }, "", "Lifetime"},
		{"http token URL", func(c *maps.Config) { c.TokenURL = "http://maps.example.com/v1/token" }, "", "https"},
		{"token URL with password", func(c *maps.Config) { c.TokenURL = "https://u:hunter2hunter2@maps.example.com/v1/token" }, "hunter2hunter2", "password"},
		{"relative token URL", func(c *maps.Config) { c.TokenURL = "/v1/token" }, "", "no host"},
		{"loopback-looking name over http", func(c *maps.Config) { c.TokenURL = "http://127.evil.example/v1/token" }, "", "https"},
	}
	cases := apitest.BadKeys(t, configWith) // "no key": PrivateKey; "P-384 key": P-256
	cases[0].Want, cases[1].Want = "PrivateKey", "P-256"
	for _, e := range edits {
		cfg := good
		e.edit(&cfg)
		cases = append(cases, apitest.Refusal[maps.Config]{Name: e.name, Config: cfg, Want: e.want, Refused: []string{e.secret}})
	}
	apitest.CheckRefusals(t, "maps: ", maps.NewTokenSource, cases...)
	apitest.CheckRefusals(t, "maps: ", func(c maps.Config) (*maps.JSTokenSource, error) { return maps.NewJSTokenSource(c) }, cases...)
	for _, u := range []string{"", "https://maps.example.com/v1/token", "http://127.0.0.1:8080/v1/token", "http://[::1]/v1/token", "http://localhost/v1/token"} {
		cfg := good
		cfg.TokenURL = u
		if _, err := maps.NewTokenSource(cfg); err != nil {
			t.Errorf("TokenURL %q refused: %v", u, err)
		}
	}
}

func TestConfigPrintsWithoutTheKey(t *testing.T) {
	key := apitest.NewKey(t)
	cfg := configWith(key)
	apitest.CheckPrintsNoKey(t, key, apitest.PEM(t, key), cfg, &cfg)
	js, _ := json.Marshal(cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%x", cfg), fmt.Sprintf("%v", &cfg), string(js)} {
		if !strings.Contains(out, "ABC123DEFG") {
			t.Errorf("printed config %q hides the key ID", out)
		}
	}
}

func TestOriginsThatCannotMatchAreRefused(t *testing.T) {
	ok, bad := apitest.BrowserOrigins()
	delete(bad, "www.example.com") // refused, but the error's example, https://www.example.com, holds it
	apitest.CheckText(t, maps.CheckOrigin, ok, bad)
	cfg := configWith(apitest.NewKey(t))
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
