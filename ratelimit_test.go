package ascjwt

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestParseRateLimit: Apple's X-Rate-Limit value is read in any order of its
// entries, with white space around names and numbers and entries it does
// not know skipped; a value without both hourly fields, with a number that
// is not plain decimal digits or is too large, or with a malformed entry
// gives nothing, and what is read is what the Transport reports.
func TestParseRateLimit(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   RateLimit
		ok     bool
	}{
		{"user-hour-lim:3500;user-hour-rem:500;", RateLimit{Limit: 3500, Remaining: 500}, true}, // Apple's own example
		{"user-hour-rem:500;user-hour-lim:3500;", RateLimit{Limit: 3500, Remaining: 500}, true},
		{" user-hour-lim : 3600 ; user-hour-rem: 12 ", RateLimit{Limit: 3600, Remaining: 12}, true},
		{"user-minute-lim:60;user-hour-lim:3600;user-hour-rem:0;x:y;", RateLimit{Limit: 3600, Remaining: 0}, true},
		{"user-hour-lim:3600;;user-hour-rem:7", RateLimit{Limit: 3600, Remaining: 7}, true},
		{"", RateLimit{}, false},
		{"user-hour-lim:3600;", RateLimit{}, false},
		{"user-hour-rem:5;", RateLimit{}, false},
		{"user-hour-lim:3600;user-hour-rem:many;", RateLimit{}, false},
		{"user-hour-lim:3600;user-hour-rem:-1;", RateLimit{}, false},
		{"user-hour-lim:99999999999;user-hour-rem:1;", RateLimit{}, false},
		{"user-hour-lim=3600;user-hour-rem=1;", RateLimit{}, false},
		{"user-hour-lim:3600;garbage;user-hour-rem:1;", RateLimit{}, false},
		{"\tuser-hour-lim:\t3600\t;\tuser-hour-rem:0007\t", RateLimit{Limit: 3600, Remaining: 7}, true},
		{"user-hour-lim:+3600;user-hour-rem:1;", RateLimit{}, false},
		{"user-hour-lim:3600;user-hour-rem:1\v;", RateLimit{}, false},
		{"user-hour-lim:2147483647;user-hour-rem:2147483648;", RateLimit{}, false},
		{"user-hour-lim:1;user-hour-lim:2;user-hour-rem:1;", RateLimit{Limit: 2, Remaining: 1}, true},
		{"user-hour-lim:;user-hour-rem:1;", RateLimit{}, false},
		{"USER-HOUR-LIM:10;user-hour-rem:1;", RateLimit{}, false},
	} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("X-Rate-Limit", tc.header)
		}
		got, ok := ParseRateLimit(h)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseRateLimit(%q) = %+v, %v; want %+v, %v", tc.header, got, ok, tc.want, tc.ok)
		}
		if ok {
			if back := storedRateLimit(h); back != got {
				t.Errorf("the Transport stored %+v as %+v", got, back)
			}
		}
	}
	lower := http.Header{"x-rate-limit": {"user-hour-lim:10;user-hour-rem:1;"}}
	if _, ok := ParseRateLimit(lower); ok {
		t.Error("a header map that is not canonical was read; http.Header.Get is what a server's answer gives us")
	}
}

// referenceRateLimit reads an X-Rate-Limit value the plain way, with the
// general string functions: the model the hand-written parseRateLimit must
// agree with.
func referenceRateLimit(v string) (RateLimit, bool) {
	var rl RateLimit
	fields := map[string]*int{"user-hour-lim": &rl.Limit, "user-hour-rem": &rl.Remaining}
	seen := map[string]bool{}
	for _, entry := range strings.Split(v, ";") {
		entry = strings.Trim(entry, " \t")
		if entry == "" {
			continue
		}
		name, num, found := strings.Cut(entry, ":")
		if !found {
			return RateLimit{}, false
		}
		name = strings.Trim(name, " \t")
		dst, known := fields[name]
		if !known {
			continue
		}
		seen[name] = true
		num = strings.Trim(num, " \t")
		if num == "" || strings.Trim(num, "0123456789") != "" {
			return RateLimit{}, false
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > maxRateField {
			return RateLimit{}, false
		}
		*dst = int(n)
	}
	if len(seen) != len(fields) {
		return RateLimit{}, false
	}
	return rl, true
}

func FuzzParseRateLimit(f *testing.F) {
	for _, s := range []string{
		"user-hour-lim:3500;user-hour-rem:500;", "user-hour-rem:1;user-hour-lim:2", ";;;", "user-hour-lim:;", ":",
		" user-hour-lim : 3600 ; user-hour-rem: 12 ", "user-hour-lim:+1;user-hour-rem:1", "user-hour-lim:2147483648;user-hour-rem:0",
		"user-hour-lim:00000000000000000000001;user-hour-rem:0", "\tuser-hour-lim\t:1\t;user-hour-rem:\v1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rl, ok := ParseRateLimit(http.Header{"X-Rate-Limit": {s}})
		if want, wantOK := referenceRateLimit(s); rl != want || ok != wantOK {
			t.Fatalf("ParseRateLimit(%q) = %+v, %v; the reference reads %+v, %v", s, rl, ok, want, wantOK)
		}
		if !ok {
			return
		}
		if rl.Limit < 0 || rl.Remaining < 0 || rl.Limit > maxRateField || rl.Remaining > maxRateField {
			t.Fatalf("%q parsed to %+v", s, rl)
		}
		if back := storedRateLimit(http.Header{"X-Rate-Limit": {s}}); back != rl {
			t.Fatalf("the Transport stored %+v as %+v", rl, back)
		}
	})
}

// storedRateLimit is what a Transport reports after a response with h.
func storedRateLimit(h http.Header) RateLimit {
	var tr Transport
	tr.observe(&http.Response{Header: h})
	rl, _ := tr.RateLimit()
	return rl
}
