package axm_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/axm"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

const (
	keyID    = "d136aa66-0c3b-4bd4-9892-c20e8db024ab"
	clientID = "BUSINESSAPI.9703f56c-10ce-4876-8f59-e78e5e23a152"
)

// configWith is a Config that NewTokenSource accepts, but for the key.
func configWith(key crypto.Signer) axm.Config {
	return axm.Config{KeyID: keyID, ClientID: clientID, PrivateKey: key}
}

// newTokenSource is axm.NewTokenSource, failing t if it returns a source
// beside an error.
func newTokenSource(t *testing.T) func(axm.Config) (ascjwt.TokenSource, error) {
	return func(cfg axm.Config) (ascjwt.TokenSource, error) {
		src, err := axm.NewTokenSource(cfg)
		if err != nil && src != nil {
			t.Errorf("a source beside the error %v", err)
		}
		return src, err
	}
}

func TestNewTokenSourceRefusesWhatAppleWouldRefuseUpFront(t *testing.T) {
	key := apitest.NewKey(t)
	secret := apitest.PEM(t, key)
	good := configWith(key)
	edits := []struct {
		name string
		edit func(*axm.Config)
		want string
	}{
		{"no key ID", func(c *axm.Config) { c.KeyID = "" }, "Config.KeyID is empty"},
		{"key in key ID", func(c *axm.Config) { c.KeyID = secret }, "Config.KeyID holds what looks like a private key"},
		{"key ID with a newline", func(c *axm.Config) { c.KeyID = keyID + "\n" }, "Config.KeyID has white space around it"},
		{"key ID too long", func(c *axm.Config) { c.KeyID = strings.Repeat("k", 65) }, "more than the 64 it can be"},
		{"no client ID", func(c *axm.Config) { c.ClientID = "" }, "Config.ClientID is empty"},
		{"key in client ID", func(c *axm.Config) { c.ClientID = secret }, "Config.ClientID holds what looks like a private key"},
		{"client ID without prefix", func(c *axm.Config) { c.ClientID = "9703f56c-10ce-4876-8f59-e78e5e23a152" }, `does not start with "BUSINESSAPI." or "SCHOOLAPI."`},
		{"prefix alone", func(c *axm.Config) { c.ClientID = "SCHOOLAPI." }, `does not start with "BUSINESSAPI." or "SCHOOLAPI." followed by`},
		{"school scope for business client", func(c *axm.Config) { c.Scope = axm.ScopeSchool }, `Config.Scope "school.api" does not match the client ID, which is for "business.api"`},
		{"unknown scope", func(c *axm.Config) { c.Scope = "https://api.apple.com/auth/schoolmanager" }, "Config.Scope (40 bytes) is not a scope Apple's token endpoint grants"},
		{"plain http token URL", func(c *axm.Config) { c.TokenURL = "http://account.apple.com/auth/oauth2/token" }, "plain http to a host that is not loopback"},
		{"relative token URL", func(c *axm.Config) { c.TokenURL = "/auth/oauth2/token" }, "is not an absolute http or https URL"},
		{"token URL with password", func(c *axm.Config) { c.TokenURL = "https://u:hunter2@account.apple.com/token" }, "holds a user name or password"},
		{"token URL with fragment", func(c *axm.Config) { c.TokenURL = "https://account.apple.com/token#x" }, "has a fragment"},
		{"audience with space", func(c *axm.Config) { c.Audience = " " + axm.Audience }, "Config.Audience has white space around it"},
		{"assertion over 180 days", func(c *axm.Config) { c.AssertionLifetime = 181 * 24 * time.Hour }, "over Apple's limit of 180 days"},
		{"assertion too short", func(c *axm.Config) { c.AssertionLifetime = time.Minute }, "is too short"},
		{"assertion negative", func(c *axm.Config) { c.AssertionLifetime = -time.Hour }, "is too short"},
		{"no key", func(c *axm.Config) { c.PrivateKey = nil }, "axm: Config.PrivateKey: no private key"},
	}
	var cases []apitest.Refusal[axm.Config]
	for _, e := range edits {
		cfg := good
		e.edit(&cfg)
		cases = append(cases, apitest.Refusal[axm.Config]{Name: e.name, Config: cfg, Want: e.want,
			Refused: []string{"hunter2", "schoolmanager", strings.Repeat("k", 65)}})
	}
	apitest.CheckRefusals(t, "axm: ", newTokenSource(t), cases...)
	badKeys := apitest.BadKeys(t, configWith) // none, and a P-384 key
	badKeys[1].Want = "ES256 needs P-256"
	apitest.CheckRefusals(t, "axm: Config.PrivateKey: ", newTokenSource(t), badKeys...)
	for _, edit := range []func(*axm.Config){
		func(c *axm.Config) {},
		func(c *axm.Config) { c.Scope = axm.ScopeBusiness },
		func(c *axm.Config) { c.ClientID = "SCHOOLAPI.x"; c.Scope = axm.ScopeSchool },
		func(c *axm.Config) { c.AssertionLifetime = axm.MaxAssertionLifetime },
		func(c *axm.Config) { c.AssertionLifetime = axm.MinAssertionLifetime },
		func(c *axm.Config) { c.TokenURL = "http://127.0.0.1:8080/token" },
		func(c *axm.Config) { c.TokenURL = "http://[::1]/token" },
	} {
		cfg := good
		edit(&cfg)
		if _, err := axm.NewTokenSource(cfg); err != nil {
			t.Errorf("refused %v: %v", cfg, err)
		}
	}
}

// TestNilKeyInsideTheInterfaceIsNoPrivateKey: see apitest.CheckNilKeyRefused.
func TestNilKeyInsideTheInterfaceIsNoPrivateKey(t *testing.T) {
	apitest.CheckNilKeyRefused(t, "axm", "NewTokenSource", func(key crypto.Signer) error {
		_, err := axm.NewTokenSource(configWith(key))
		return err
	})
}

func TestConfigPrintsNoKey(t *testing.T) {
	key := apitest.NewKey(t)
	keyPEM := apitest.PEM(t, key)
	cfg := configWith(key)
	apitest.CheckPrintsNoKey(t, key, keyPEM, cfg, &cfg)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg)
	js, _ := json.Marshal(cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), logged.String(), string(js)} {
		if !strings.Contains(out, keyID) || !strings.Contains(out, "redacted") {
			t.Errorf("output %s; want the key ID and the key redacted", out)
		}
	}
	cfg.KeyID = keyPEM
	if out := cfg.String(); strings.Contains(out, "BEGIN") || !strings.Contains(out, "what looks like a private key") {
		t.Errorf("a key pasted into KeyID shows as %s; want it described", out)
	}
}

// recordingBase answers every request 200 and keeps its Authorization
// header by host.
type recordingBase map[string]string

func (r recordingBase) RoundTrip(req *http.Request) (*http.Response, error) {
	r[req.URL.Host] = req.Header.Get("Authorization")
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req, Header: http.Header{}}, nil
}

func TestAccessTokenGoesToTheAccountsAPIHostOnly(t *testing.T) {
	_, src := newSource(t)
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := recordingBase{}
	client := &http.Client{Transport: &ascjwt.Transport{Source: src, Base: seen}}
	for _, u := range []string{axm.BusinessURL + "/v1/orgDevices", axm.SchoolURL + "/v1/orgDevices", "https://example.com/upload", "https://api.appstoreconnect.apple.com/v1/apps"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if seen["api-business.apple.com"] != "Bearer "+tok.Value {
		t.Error("api-business.apple.com did not get the access token")
	}
	for _, h := range []string{"api-school.apple.com", "example.com", "api.appstoreconnect.apple.com"} {
		if seen[h] != "" {
			t.Errorf("%s got the business account's access token", h)
		}
	}
}

func TestConfigPrintsNoSignerHeldByValue(t *testing.T) {
	cfg := apitest.CheckPrintsNoSignerHeldByValue(t, "axm.Config{", func(key crypto.Signer) axm.Config {
		return axm.Config{KeyID: keyID, ClientID: "BUSINESSAPI.9703f56c", PrivateKey: key}
	})
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(cfg); err != nil || bytes.Contains(b.Bytes(), apitest.ValueSignerSecret[:]) {
		t.Errorf("gob: %v, or the signer's bytes are in it", err)
	}
	type holder struct{ C axm.Config }
	if x, err := xml.Marshal(holder{cfg}); err != nil || !strings.Contains(string(x), "axm.Config{") {
		t.Errorf("xml: %s, %v", x, err)
	}
}
