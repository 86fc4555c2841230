package claims

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

func TestScopeAllows(t *testing.T) {
	s, err := ParseScope("GET /v1/apps?filter[platform]=IOS&filter[name]=a&limit=5")
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]bool{
		"/v1/apps?filter[name]=a&filter[platform]=IOS":                     true,  // order does not matter
		"/v1/apps?filter[platform]=IOS&filter[name]=a&limit=200&cursor=AB": true,  // paging ignored
		"/v1/apps?filter[platform]=IOS&filter[name]=a&sort=-name":          true,  // sort ignored
		"/v1/apps?filter[platform]=IOS":                                    false, // a parameter missing
		"/v1/apps?filter[platform]=IOS&filter[name]=a&include=builds":      false, // one extra
		"/v1/apps?filter[platform]=MAC_OS&filter[name]=a":                  false,
		"/v1/apps/1?filter[platform]=IOS&filter[name]=a":                   false,
	} {
		u, _ := url.Parse("https://api.appstoreconnect.apple.com" + target)
		if got := s.Allows("GET", u); got != want {
			t.Errorf("GET %s: %v, want %v", target, got, want)
		}
	}
	u, _ := url.Parse("https://x/v1/apps?filter[platform]=IOS&filter[name]=a")
	if s.Allows("POST", u) {
		t.Error("method ignored")
	}
}

func TestParseScopeRefusals(t *testing.T) {
	for _, bad := range []string{"", "GET", "get /v1/apps", "FETCH /v1/apps", "GET v1/apps", "GET https://api/v1/apps", "GET /v1/apps#x", "GET /v1/apps?%zz"} {
		if _, err := ParseScope(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLongLived(t *testing.T) {
	for path, want := range map[string]bool{
		"/v1/ciBuildRuns": true, "/v1/ciBuildRuns/1/actions": true, "/v1/ciProducts/1/workflows": true,
		"/v1/apps/1/perfPowerMetrics": true, "/v1/apps/1/ciProduct": true, "/v1/diagnosticSignatures/1/logs": true,
		"/v1/builds/1/diagnosticSignatures": true,
		"/v1/apps":                          false, "/v1/apps/1": false, "/v1/ciBuildRunsX": false, "/v1/apps//perfPowerMetrics": false,
		"/v1/diagnosticSignatures/1": false, "v1/ciBuildRuns": false, "": false, "/": false,
	} {
		if got := LongLived(path); got != want {
			t.Errorf("LongLived(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestPayload(t *testing.T) {
	prefix, err := Static{Issuer: "i\"<&>", Audience: "appstoreconnect-v1", Scope: []string{"GET /v1/apps?a=1&b=2"}}.Prefix()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(AppendPayload(nil, prefix, 100, 200), &got); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if got["iss"] != "i\"<&>" || got["iat"] != 100.0 || got["exp"] != 200.0 || got["aud"] != "appstoreconnect-v1" {
		t.Errorf("payload = %v", got)
	}
	if _, ok := got["sub"]; ok {
		t.Error("empty sub encoded")
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		20 * time.Minute: "20m", time.Hour: "1h", 90 * time.Minute: "1h30m", 180 * 24 * time.Hour: "180d",
		time.Minute: "1m", 90 * time.Second: "1m30s", 5 * time.Second: "5s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
