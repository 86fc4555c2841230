package mapstest

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzOriginAllows: whatever the origin claim and the Origin header hold,
// originAllows does not panic, and what it allows, a plain reading agrees
// with: the page's host is an entry's host, or under it for a *. entry,
// never the *. entry's domain itself.
func FuzzOriginAllows(f *testing.F) {
	for _, seed := range [][2]string{
		{"*.example.com", "https://maps.example.com"},
		{"example.com", "https://example.com"},
		{"https://a.example, b.example,*.c.example", "https://x.c.example"},
		{"localhost:8080", "http://localhost:8080"},
		{"https://www.example.com", "https://www.example.com:443"},
		{"*.example.com", "https://evilexample.com"},
		{"[::1]:8080", "http://[::1]:8080"},
		{"a.example,,b.example", "https://a.example"},
		{"*.", "https://."},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, claim, origin string) {
		ok, err := originAllows(claim, origin)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("allowed with an error: %v", err)
		}
		u, err := url.Parse(origin)
		if err != nil {
			t.Fatalf("allowed an Origin url.Parse refuses: %q", origin)
		}
		host := strings.ToLower(u.Hostname())
		for _, entry := range strings.Split(claim, ",") {
			entry = strings.TrimSpace(entry)
			if _, rest, ok := strings.Cut(entry, "://"); ok {
				entry = rest
			}
			wild := strings.HasPrefix(entry, "*.")
			entry = strings.TrimPrefix(entry, "*.")
			e, err := url.Parse("https://" + entry)
			if err != nil {
				continue
			}
			h := strings.ToLower(e.Hostname())
			if !wild && host == h || wild && strings.HasSuffix(host, "."+h) && host != h {
				return
			}
		}
		t.Fatalf("origin %q allowed %q, whose host %q no entry names", claim, origin, host)
	})
}
