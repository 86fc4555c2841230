package ascjwt_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestBadConfigs: every configuration NewTokenSource refuses, each with an
// error that says what is wrong and what is wanted.
func TestBadConfigs(t *testing.T) {
	p256 := apitest.NewKey(t)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	good := ascjwt.Config{KeyID: "2X9R4HXF34", IssuerID: "57246542-96fe-1a63-e053-0824d011072a", PrivateKey: p256}
	for _, tc := range []struct {
		name   string
		mutate func(*ascjwt.Config)
		want   []string // all must appear in the message
	}{
		{"no key ID", func(c *ascjwt.Config) { c.KeyID = "" }, []string{"Config.KeyID is empty", "key ID shown next to the key"}},
		{"key ID with newline", func(c *ascjwt.Config) { c.KeyID = "2X9R4HXF34\n" }, []string{"Config.KeyID", "white space"}},
		{"key ID with control character", func(c *ascjwt.Config) { c.KeyID = "2X9R\x004HXF34" }, []string{"Config.KeyID", "control character"}},
		{"issuer with spaces", func(c *ascjwt.Config) { c.IssuerID = " 57246542 " }, []string{"Config.IssuerID", "white space"}},
		{"no key", func(c *ascjwt.Config) { c.PrivateKey = nil }, []string{"Config.PrivateKey", "no private key", "LoadPrivateKey"}},
		{"P-384 key", func(c *ascjwt.Config) { c.PrivateKey = p384 }, []string{"Config.PrivateKey", "P-384", "P-256"}},
		{"P-384 signer", func(c *ascjwt.Config) { c.PrivateKey = opaque{p384} }, []string{"P-384", "P-256"}},
		{"RSA key", func(c *ascjwt.Config) { c.PrivateKey = rsaKey }, []string{"*rsa.PublicKey", "P-256"}},
		{"Ed25519 key", func(c *ascjwt.Config) { c.PrivateKey = edKey }, []string{"ed25519.PublicKey", "P-256"}},
		{"audience with space", func(c *ascjwt.Config) { c.Audience = "appstoreconnect-v1 " }, []string{"Config.Audience", "not an audience", "apple-developer-enterprise-v1"}},
		{"audience typo", func(c *ascjwt.Config) { c.Audience = "appstoreconnect-v2" }, []string{`Config.Audience "appstoreconnect-v2"`, `want "appstoreconnect-v1"`}},
		{"negative lifetime", func(c *ascjwt.Config) { c.Lifetime = -time.Second }, []string{"Config.Lifetime -1s is negative", "default 20m"}},
		{"lifetime too short", func(c *ascjwt.Config) { c.Lifetime = 2 * time.Minute }, []string{"Config.Lifetime 2m0s is too short", "at least 5m"}},
		{"lifetime 21m", func(c *ascjwt.Config) { c.Lifetime = 21 * time.Minute }, []string{"Config.Lifetime 21m0s is over Apple's limit", "20 minutes"}},
		{"lifetime 2h with bid", func(c *ascjwt.Config) { c.Lifetime = 2 * time.Hour; c.BundleID = "com.example" }, []string{"over Apple's limit", "60 minutes"}},
		{"scope without path", func(c *ascjwt.Config) { c.Scope = []string{"GET"} }, []string{"Config.Scope", `"METHOD /path"`}},
		{"scope in lower case", func(c *ascjwt.Config) { c.Scope = []string{"get /v1/apps"} }, []string{"Config.Scope", "in capitals"}},
		{"scope with host", func(c *ascjwt.Config) { c.Scope = []string{"GET https://api.appstoreconnect.apple.com/v1/apps"} }, []string{"Config.Scope", "without host"}},
		{"bundle ID with space", func(c *ascjwt.Config) { c.BundleID = "com.example app\t" }, []string{"Config.BundleID"}},
		// "Creating API keys to authorize API requests" (App Store Server
		// API): its In-App Purchase keys are team keys, with an issuer ID.
		{"bundle ID with an individual key", func(c *ascjwt.Config) { c.IssuerID = ""; c.BundleID = "com.example.app" }, []string{"Config.BundleID", "IssuerID is empty", "team keys only"}},
		{"enterprise long-lived", func(c *ascjwt.Config) {
			c.Audience = ascjwt.AudienceEnterprise
			c.Scope = []string{"GET /v1/ciBuildRuns"}
			c.Lifetime = time.Hour
		}, []string{"over Apple's limit", "20 minutes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.mutate(&cfg)
			src, err := ascjwt.NewTokenSource(cfg)
			if err == nil {
				t.Fatalf("accepted: %v", src)
			}
			for _, w := range append(tc.want, "ascjwt: ") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := ascjwt.NewTokenSource(good); err != nil {
		t.Fatalf("the good config is refused: %v", err)
	}
}

// opaque hides a key's concrete type, as a KMS signer would.
type opaque struct{ crypto.Signer }
