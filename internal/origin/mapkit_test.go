package origin

import (
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// The forms of "Creating and using tokens with Maps Server API" (its
// example token has "origin": "*.example.com") and of the developer
// account's Maps token form (a comma-separated list of domains).
func TestMapKitClaimTakesOriginsDomainsPatternsAndLists(t *testing.T) {
	apitest.CheckText(t, CheckMapKit, []string{
		"*.example.com", "example.com", "localhost", "https://www.example.com", "http://localhost:8080",
		"example.com,*.example.com", "example.com, *.example.com", "https://a.example,https://b.example:8443,c.example",
		"*.co.uk", "xn--bcher-kva.example",
	}, map[string]string{
		"":                         "is empty",
		"*":                        "wildcard",
		"*.com":                    "top-level domain",
		"a*.example.com":           "wildcard",
		"*.*.example.com":          "not a DNS name",
		"https://*.example.com":    "wildcard in an origin with a scheme",
		"https://www.example.com/": "ends in a slash",
		"Example.com":              "upper-case",
		"example.com:8080":         "port",
		"example.com/maps":         "path",
		"exam ple.com":             "white space",
		"-example.com":             "not a DNS name",
		"example..com":             "not a DNS name",
		"example.com.":             "not a DNS name",
		"a.example,,b.example":     "entry 2 of 3 in the comma-separated origin list is empty",
		"a.example,a.example":      "entry 2 of 2 in the comma-separated origin list repeats",
		strings.Repeat("a.example,", 100) + "b.example": "more than 100",
		strings.Repeat("a", 9000):                       "more than",
	})
}

func TestMatchMapKitFollowsEachEntrysForm(t *testing.T) {
	apitest.CheckPairs(t, "MatchMapKit", MatchMapKit, map[[2]string]bool{
		{"https://www.example.com", "https://www.example.com"}:       true,
		{"https://www.example.com", "http://www.example.com"}:        false,
		{"https://www.example.com", "https://www.example.com:8443"}:  false,
		{"www.example.com", "https://www.example.com"}:               true,
		{"www.example.com", "http://www.example.com:8080"}:           true,
		{"www.example.com", "https://example.com"}:                   false,
		{"*.example.com", "https://maps.example.com"}:                true,
		{"*.example.com", "https://a.b.example.com"}:                 true,
		{"*.example.com", "https://example.com"}:                     false,
		{"*.example.com", "https://badexample.com"}:                  false,
		{"*.example.com", "https://www.example.com.evil.example"}:    false,
		{"*.example.com", "safari-web-extension://maps.example.com"}: false,
		{"example.com,*.example.com", "https://example.com"}:         true,
		{"example.com, *.example.com", "https://www.example.com"}:    true,
		{"a.example,b.example", "https://c.example"}:                 false,
		{"*.example.com", "https://WWW.example.com"}:                 false, // no browser sends that
		{"*.example.com", "https://www.example.com/"}:                false,
		{"*.com", "https://example.com"}:                             false, // a claim CheckMapKit refuses matches nothing
	})
}

func TestCheckScopeRequiresAnOriginWithMapKitJS(t *testing.T) {
	for _, tc := range []struct {
		scope     string
		hasOrigin bool
		want      string // empty: accepted
	}{
		{"server_api", false, ""},
		{"mapkit_js", true, ""},
		{"mapkit_js server_api", true, ""},
		{"a_scope_apple_adds_later", false, ""},
		{"mapkit_js", false, "requires"},
		{"server_api mapkit_js", false, "requires"},
		{"", false, "empty"},
		{"server_api  mapkit_js", true, "empty word"},
		{"server_api,mapkit_js", true, "not lower-case"},
		{"Server_API", false, "not lower-case"},
	} {
		err := CheckScope(tc.scope, tc.hasOrigin)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckScope(%q, %v) = %v, want %q", tc.scope, tc.hasOrigin, err, tc.want)
		}
	}
}

// FuzzMapKitClaim: neither function panics, and a match is one the claim's
// entries explain: an origin a browser sends, equal to an entry, or whose
// host is an entry or lies under an entry's pattern.
func FuzzMapKitClaim(f *testing.F) {
	f.Add("*.example.com", "https://maps.example.com")
	f.Add("example.com,https://a.example:8443", "https://a.example:8443")
	f.Add("example.com, *.example.com", "http://example.com")
	f.Add("*.", "https://x")
	f.Fuzz(func(t *testing.T, claim, origin string) {
		ok := CheckMapKit(claim) == nil
		if !MatchMapKit(claim, origin) {
			return
		}
		if !ok || CheckBrowser(origin) != nil {
			t.Fatalf("matched %q against %q, which the checks refuse", origin, claim)
		}
		host := origin[strings.Index(origin, "://")+3:]
		for _, e := range strings.Split(claim, ",") {
			e = strings.Trim(e, " ")
			if e == origin || e == host || strings.HasPrefix(e, "*.") && strings.HasSuffix(host, e[1:]) {
				return
			}
		}
		t.Fatalf("matched %q against %q, and no entry explains it", origin, claim)
	})
}
