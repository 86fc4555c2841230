package axm_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/gob"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/axm"
)

func testKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyPEM(t *testing.T, k *ecdsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

const (
	keyID    = "d136aa66-0c3b-4bd4-9892-c20e8db024ab"
	clientID = "BUSINESSAPI.9703f56c-10ce-4876-8f59-e78e5e23a152"
)

func TestNewTokenSourceRefusesWhatAppleWouldRefuseUpFront(t *testing.T) {
	key := testKey(t)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	secret := keyPEM(t, key)
	good := axm.Config{KeyID: keyID, ClientID: clientID, PrivateKey: key}
	cases := []struct {
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
		{"P-384 key", func(c *axm.Config) { c.PrivateKey = p384 }, "ES256 needs P-256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := good
			c.edit(&cfg)
			src, err := axm.NewTokenSource(cfg)
			if err == nil || src != nil {
				t.Fatalf("accepted; want an error saying %q", c.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "axm: ") || !strings.Contains(msg, c.want) {
				t.Errorf("error %q; want it to say %q", msg, c.want)
			}
			for _, leak := range []string{"BEGIN", "hunter2", "schoolmanager", strings.Repeat("k", 65)} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q quotes the refused value", msg)
				}
			}
		})
	}
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

func TestConfigPrintsNoKey(t *testing.T) {
	key := testKey(t)
	cfg := axm.Config{KeyID: keyID, ClientID: clientID, PrivateKey: key}
	raw, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	d := new(big.Int).SetBytes(raw).String()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "cfg", cfg)
	j, _ := json.Marshal(cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), buf.String(), string(j)} {
		if strings.Contains(out, d) || strings.Contains(out, fmt.Sprintf("%x", raw)) {
			t.Fatalf("output holds the private scalar: %s", out)
		}
		if !strings.Contains(out, keyID) || !strings.Contains(out, "redacted") {
			t.Errorf("output %s; want the key ID and the key redacted", out)
		}
	}
	cfg.KeyID = keyPEM(t, key)
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

// valueSigner is a crypto.Signer held by value, as a KMS client's handle
// may be: %d on a Config without Format prints its fields.
type valueSigner struct {
	secret [4]byte
	pub    crypto.PublicKey
}

func (v valueSigner) Public() crypto.PublicKey { return v.pub }
func (v valueSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("not used")
}

func TestConfigPrintsNoSignerHeldByValue(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cfg := axm.Config{KeyID: "d136aa66-0c3b-4bd4-9892-c20e8db024ab", ClientID: "BUSINESSAPI.9703f56c", PrivateKey: valueSigner{secret: [4]byte{201, 202, 203, 204}, pub: &key.PublicKey}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%o", "%q"} {
		out := fmt.Sprintf(verb, cfg)
		if strings.Contains(out, "201") || strings.Contains(out, "c9") || strings.Contains(out, "311") || !strings.Contains(out, "axm.Config{") {
			t.Errorf("%s prints %s", verb, out)
		}
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(cfg); err != nil || bytes.Contains(b.Bytes(), []byte{201, 202, 203, 204}) {
		t.Errorf("gob: %v, or the signer's bytes are in it", err)
	}
	type holder struct{ C axm.Config }
	if x, err := xml.Marshal(holder{cfg}); err != nil || !strings.Contains(string(x), "axm.Config{") {
		t.Errorf("xml: %s, %v", x, err)
	}
}
