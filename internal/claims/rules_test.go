package claims

import (
	"strings"
	"testing"
)

func TestLimitBundleIDOverridesLongLivedScope(t *testing.T) {
	longLivedScope, err := ParseScopes([]string{"GET /v1/ciBuildRuns", "GET /v1/ciProducts/1/workflows"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, audience, bundleID string
		want                     string
	}{
		{"App Store Connect, long-lived scope", "appstoreconnect-v1", "", "180d"},
		{"App Store Server API (bid), long-lived scope", "appstoreconnect-v1", "com.example.app", "1h"},
		{"Enterprise, long-lived scope", "apple-developer-enterprise-v1", "", "20m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limit, rule := Limit(tc.audience, longLivedScope, tc.bundleID)
			if got := FormatDuration(limit); got != tc.want {
				t.Errorf("Limit = %s (%s), want %s", got, rule, tc.want)
			}
		})
	}
	if limit, _ := Limit("appstoreconnect-v1", nil, "com.example.app"); limit != MaxBundleLifetime {
		t.Errorf("bid without scope: %v", limit)
	}
}

func TestParseScopeRefusesEntriesNoRequestCanMatch(t *testing.T) {
	// SECRET marks what an error must not echo: an entry may be a secret
	// pasted into the wrong field.
	for _, tc := range []struct {
		name, entry, says string
	}{
		{"dot-dot segment", "GET /v1/ciProducts/../SECRET", "dot segment"},
		{"dot segment", "GET /v1/ciBuildRuns/./SECRET", "dot segment"},
		{"dot-dot at the end", "GET /v1/ciBuildRuns/SECRET/..", "dot segment"},
		{"encoded dot-dot, lower case", "GET /v1/ciProducts/%2e%2e/SECRET", "dot segment"},
		{"encoded dot-dot, upper case", "GET /v1/ciProducts/%2E%2E/SECRET", "dot segment"},
		{"encoded dot-dot, mixed", "GET /v1/ciProducts/.%2E/SECRET", "dot segment"},
		{"encoded single dot", "GET /v1/ciProducts/%2e/SECRET", "dot segment"},
		{"encoded slash", "GET /v1/ciBuildRuns/1%2F..%2F..%2FSECRET", "slash"},
		{"backslash", `GET /v1/ciBuildRuns/1\..\SECRET`, "percent-encoded"},
		{"quote in the path (found by FuzzScopeAgreement)", "GET /v1/ciProducts/%00\"SECRET", "percent-encoded"},
		{"raw non-ASCII in the path", "GET /v1/apps/café/SECRET", "percent-encoded"},
		{"brackets in the path", "GET /v1/apps/[1]/SECRET", "percent-encoded"},
		{"encoded backslash", "GET /v1/ciBuildRuns/1%5cSECRET", "backslash"},
		{"malformed escape in path", "GET /v1/apps%zzSECRET", "percent-escape"},
		{"fragment", "GET /v1/apps#SECRET", `"#"`},
		{"fragment in the query", "GET /v1/apps?filter[name]=a#SECRET", `"#"`},
		{"invalid UTF-8", "GET /v1/apps?filter[name]=\xffSECRET", "UTF-8"},
		{"control character", "GET /v1/apps?filter[name]=\x1b[2JSECRET", "control character"},
		{"NUL", "GET /v1/apps/\x00SECRET", "control character"},
		{"tab", "GET\t/v1/SECRET", "control character"},
		{"no space", "SECRETSECRET", "METHOD /path"},
		{"lower-case method", "get /v1/SECRET", "in capitals"},
		{"unknown method", "SECRET /v1/apps", "GET, POST"},
		{"host", "GET https://api.appstoreconnect.apple.com/v1/SECRET", "without host"},
		{"bad query escape", "GET /v1/apps?SECRET=%zz", "malformed query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScopes([]string{"GET /v1/apps", tc.entry})
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.says) || !strings.Contains(msg, "entry 2 of 2") {
				t.Errorf("error %q does not say %q about entry 2 of 2", msg, tc.says)
			}
			if strings.Contains(msg, "SECRET") {
				t.Errorf("error %q quotes the entry", msg)
			}
		})
	}
	for _, ok := range []string{
		"GET /v1/apps/...",                    // three dots are a name, not a dot segment
		"GET /v1/apps/.well",                  // so is a leading dot
		"GET /v1/apps?filter[name]=a..b",      // dots in the query are data
		"GET /v1/apps?filter[name]=My App",    // a space in the query matches %20
		"GET /v1/apps?filter[name]=caf%C3%A9", // escaped UTF-8
		"GET /v1/apps?filter[name]=café",      // raw UTF-8
		"GET /v1/apps/1%3A2",                  // an escaped colon
		"DELETE /v1/betaTesters/1",
	} {
		if _, err := ParseScope(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
}

// TestDotSegmentsNeverGetTheLongLivedLimit is the widening the dot-segment
// rule closes: the prefix of a long-lived resource with a path that leaves
// it.
func TestDotSegmentsNeverGetTheLongLivedLimit(t *testing.T) {
	for _, entry := range []string{"GET /v1/ciProducts/../users", "GET /v1/ciBuildRuns/1/%2E%2E/%2e%2e/users", "GET /v1/ciBuildRuns/1%2F..%2F..%2Fusers"} {
		if LongLived(strings.TrimPrefix(entry, "GET ")) && func() bool { _, err := ParseScope(entry); return err == nil }() {
			t.Errorf("%q is long-lived and accepted", entry)
		}
	}
}
