package ascjwt

import (
	"net/http"
	"testing"
)

func TestParseRateLimit(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   RateLimit
		ok     bool
	}{
		{"user-hour-lim:3500;user-hour-rem:500;", RateLimit{3500, 500}, true}, // Apple's own example
		{"user-hour-rem:500;user-hour-lim:3500;", RateLimit{3500, 500}, true},
		{" user-hour-lim : 3600 ; user-hour-rem: 12 ", RateLimit{3600, 12}, true},
		{"user-minute-lim:60;user-hour-lim:3600;user-hour-rem:0;x:y;", RateLimit{3600, 0}, true},
		{"user-hour-lim:3600;;user-hour-rem:7", RateLimit{3600, 7}, true},
		{"", RateLimit{}, false},
		{"user-hour-lim:3600;", RateLimit{}, false},
		{"user-hour-rem:5;", RateLimit{}, false},
		{"user-hour-lim:3600;user-hour-rem:many;", RateLimit{}, false},
		{"user-hour-lim:3600;user-hour-rem:-1;", RateLimit{}, false},
		{"user-hour-lim:99999999999;user-hour-rem:1;", RateLimit{}, false},
		{"user-hour-lim=3600;user-hour-rem=1;", RateLimit{}, false},
		{"user-hour-lim:3600;garbage;user-hour-rem:1;", RateLimit{}, false},
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
			if back, _ := unpack(got.pack()); back != got {
				t.Errorf("pack/unpack of %+v gave %+v", got, back)
			}
		}
	}
	lower := http.Header{"x-rate-limit": {"user-hour-lim:10;user-hour-rem:1;"}}
	if _, ok := ParseRateLimit(lower); ok {
		t.Error("a header map that is not canonical was read; http.Header.Get is what a server's answer gives us")
	}
}

func FuzzParseRateLimit(f *testing.F) {
	for _, s := range []string{"user-hour-lim:3500;user-hour-rem:500;", "user-hour-rem:1;user-hour-lim:2", ";;;", "user-hour-lim:;", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rl, ok := ParseRateLimit(http.Header{"X-Rate-Limit": {s}})
		if !ok {
			return
		}
		if rl.Limit < 0 || rl.Remaining < 0 || rl.Limit > maxRateField || rl.Remaining > maxRateField {
			t.Fatalf("%q parsed to %+v", s, rl)
		}
		if back, _ := unpack(rl.pack()); back != rl {
			t.Fatalf("pack/unpack of %+v gave %+v", rl, back)
		}
	})
}
