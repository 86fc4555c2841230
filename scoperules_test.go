package ascjwt_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// TestBundleIDTokensNeverGetTheLongLivedLifetime: the 180-day exception is
// the App Store Connect API's; an App Store Server API token (with a bundle
// ID) stays within 60 minutes whatever its scope.
func TestBundleIDTokensNeverGetTheLongLivedLifetime(t *testing.T) {
	key := apitest.NewKey(t)
	cfg := ascjwt.Config{KeyID: "TESTKEY123", IssuerID: "issuer", PrivateKey: key, Scope: []string{"GET /v1/ciBuildRuns"}}
	for _, tc := range []struct {
		bundleID string
		lifetime time.Duration
		ok       bool
	}{
		{"", 180 * 24 * time.Hour, true},
		{"com.example.app", 180 * 24 * time.Hour, false},
		{"com.example.app", 61 * time.Minute, false},
		{"com.example.app", 60 * time.Minute, true},
	} {
		c := cfg
		c.BundleID, c.Lifetime = tc.bundleID, tc.lifetime
		_, err := ascjwt.NewTokenSource(c)
		if (err == nil) != tc.ok {
			t.Errorf("bundle ID %q, lifetime %s: err = %v, want ok=%v", tc.bundleID, tc.lifetime, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "60 minutes") {
			t.Errorf("error %q does not name the 60-minute rule", err)
		}
	}
}

// TestNewTokenSourceRefusesScopesNoRequestCanMatch: dot segments (which
// would also have earned a long-lived resource's 180 days), '#', invalid
// UTF-8, each with an error that says why and does not quote the entry.
func TestNewTokenSourceRefusesScopesNoRequestCanMatch(t *testing.T) {
	key := apitest.NewKey(t)
	for entry, says := range map[string]string{
		"GET /v1/ciProducts/../users/SECRET":        "dot segment",
		"GET /v1/ciProducts/%2E%2e/users/SECRET":    "dot segment",
		"GET /v1/ciBuildRuns/1%2F..%2Fusers/SECRET": "slash",
		"GET /v1/apps#SECRET":                       `"#"`,
		"GET /v1/apps?filter[name]=\xffSECRET":      "UTF-8",
	} {
		for _, lifetime := range []time.Duration{0, 180 * 24 * time.Hour} {
			_, err := ascjwt.NewTokenSource(ascjwt.Config{KeyID: "TESTKEY123", IssuerID: "issuer", PrivateKey: key, Scope: []string{entry}, Lifetime: lifetime})
			if err == nil {
				t.Errorf("%q accepted with lifetime %s", entry, lifetime)
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, "Config.Scope") || !strings.Contains(msg, says) || strings.Contains(msg, "SECRET") {
				t.Errorf("%q: error %q; want Config.Scope saying %q without quoting the entry", entry, msg, says)
			}
		}
	}
}
