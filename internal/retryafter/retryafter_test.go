package retryafter

import (
	"net/http"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// TestParseReadsEveryFormAppleSends: delta seconds, an HTTP date, UNIX
// milliseconds; a moment past is no wait, and anything else is no value.
func TestParseReadsEveryFormAppleSends(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"120", 120 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"1796126430000", time.UnixMilli(1796126430000).Sub(now), true}, // App Store Server API
		{"99999999999999", time.UnixMilli(99999999999999).Sub(now), true},
		{"9223372036854775807", time.UnixMilli(9223372036854775807).Sub(now), true},
		{"4294967296", 1 << 32 * time.Second, true}, // a delta this large is capped, never overflows
		{"", 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	} {
		got, ok := Parse(tc.value, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Parse(%q) = %s, %t; want %s, %t", tc.value, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParse: whatever a server sends, Parse gives a wait of zero or more,
// and no wait for a value it does not read.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", "1796126430000", "Tue, 01 Dec 2026 12:01:30 GMT", "Tuesday, 01-Dec-26 12:01:30 GMT", "9223372036854775807", "1e9", " 5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := Parse(v, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("Parse(%q) = %s, %t", v, d, ok)
		}
	})
}
