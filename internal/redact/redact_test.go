package redact

import (
	"strings"
	"testing"
)

const pem = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg\n-----END PRIVATE KEY-----\n"

func TestDescribeNeverShowsTheValue(t *testing.T) {
	body := strings.Repeat("MIGTAgEAMBMGByqGSM49", 10)
	for _, tc := range []struct{ in, want string }{
		{"", "empty"},
		{pem, "what looks like a private key (" + Bytes(len(pem)) + ")"},
		{body, "what looks like a private key (200 bytes)"},
		{strings.Repeat("Z", 4096), "4,096 bytes"},
		{strings.Repeat("x y", 1400), "4,200 bytes"},
		{"a", "1 byte"},
	} {
		got := Describe(tc.in)
		if got != tc.want {
			t.Errorf("Describe(%d bytes) = %q, want %q", len(tc.in), got, tc.want)
		}
		if tc.in != "" && len(tc.in) > 1 && strings.Contains(got, tc.in[:2]) && !strings.Contains(tc.want, tc.in[:2]) {
			t.Errorf("Describe shows the value: %q", got)
		}
	}
}

func TestShowQuotesOnlyHarmlessValues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"appstoreconnect-v2", 64, `"appstoreconnect-v2"`},
		{"appstoreconnect-v2", 8, "<18 bytes>"},
		{"tab\there", 64, "<8 bytes>"},
		{pem, 4096, "<what looks like a private key (" + Bytes(len(pem)) + ")>"},
		{"caf\u00e9", 64, "<5 bytes>"},
	} {
		if got := Show(tc.in, tc.max); got != tc.want {
			t.Errorf("Show(%d bytes, %d) = %q, want %q", len(tc.in), tc.max, got, tc.want)
		}
	}
}

// TestShowListShowsEachEntryAsShowDoes: a list prints as fmt prints a
// slice, each entry quoted or described on its own, so that one pasted key
// among good entries is described and the others still show.
func TestShowListShowsEachEntryAsShowDoes(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "[]"},
		{[]string{"GET /v1/apps"}, `["GET /v1/apps"]`},
		{[]string{"https://a.example", pem}, `["https://a.example" <` + Describe(pem) + `>]`},
	} {
		if got := ShowList(tc.in, 64); got != tc.want {
			t.Errorf("ShowList(%d entries) = %s, want %s", len(tc.in), got, tc.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 4096: "4,096", 1234567: "1,234,567", -4096: "-4,096"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
