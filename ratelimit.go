package ascjwt

import (
	"net/http"
	"strings"

	"github.com/ascjwt/ascjwt/internal/token"
)

// RateLimit is Apple's report of a key's hourly request budget, from the
// X-Rate-Limit header of every App Store Connect API response
// ("user-hour-lim:3500;user-hour-rem:500;"): Limit requests an hour, of
// which Remaining are left. The budget belongs to the key, so every process
// that uses the key sees, and spends, the same one. Its fields:
//
//	Limit, Remaining int
type RateLimit = token.RateLimit

// rateLimitHeader is where Apple reports the budget ("Rate limits" in the
// App Store Connect API documentation).
const rateLimitHeader = "X-Rate-Limit"

// maxRateField bounds each number: Apple's limits are in the thousands, and
// a count past it is no budget Apple reports.
const maxRateField = 1<<31 - 1

// ParseRateLimit reads Apple's X-Rate-Limit header from h. Entries may come
// in any order, with spaces or tabs around their parts, and unknown entries
// are ignored; ok is false when the header is absent, when either count is
// missing, or when an entry is malformed (a count is decimal digits, no
// sign).
func ParseRateLimit(h http.Header) (rl RateLimit, ok bool) {
	// The key is canonical already: index the map, which h.Get would do
	// after checking that, on every response.
	vv := h[rateLimitHeader]
	if len(vv) == 0 {
		return RateLimit{}, false
	}
	return parseRateLimit(vv[0])
}

// parseRateLimit reads one X-Rate-Limit value. Every response's value goes
// through it: Apple's own form takes a path of two prefix checks and two
// runs of digits; any other is read entry by entry.
func parseRateLimit(v string) (RateLimit, bool) {
	if rl, ok := parseAppleForm(v); ok {
		return rl, true
	}
	return parseEntries(v)
}

// parseAppleForm reads v if it is in the form Apple sends,
// "user-hour-lim:3500;user-hour-rem:500;", with or without the final ";".
func parseAppleForm(v string) (rl RateLimit, ok bool) {
	rest, ok := strings.CutPrefix(v, "user-hour-lim:")
	if !ok {
		return RateLimit{}, false
	}
	if rl.Limit, rest, ok = leadingCount(rest); !ok {
		return RateLimit{}, false
	}
	if rest, ok = strings.CutPrefix(rest, ";user-hour-rem:"); !ok {
		return RateLimit{}, false
	}
	if rl.Remaining, rest, ok = leadingCount(rest); !ok {
		return RateLimit{}, false
	}
	return rl, rest == "" || rest == ";"
}

// parseEntries reads v as ";"-separated entries "name:count" in any order,
// with white space (HTTP's: spaces and tabs) around each part, and unknown
// names ignored.
func parseEntries(v string) (rl RateLimit, ok bool) {
	var haveLim, haveRem bool
	for v != "" {
		entry := v
		if i := strings.IndexByte(v, ';'); i >= 0 {
			entry, v = v[:i], v[i+1:]
		} else {
			v = ""
		}
		entry = trimOWS(entry)
		if entry == "" {
			continue
		}
		colon := strings.IndexByte(entry, ':')
		if colon < 0 {
			return RateLimit{}, false
		}
		var dst *int
		switch trimOWS(entry[:colon]) {
		case "user-hour-lim":
			dst, haveLim = &rl.Limit, true
		case "user-hour-rem":
			dst, haveRem = &rl.Remaining, true
		default:
			continue
		}
		n, ok := parseCount(trimOWS(entry[colon+1:]))
		if !ok {
			return RateLimit{}, false
		}
		*dst = n
	}
	if !haveLim || !haveRem {
		return RateLimit{}, false
	}
	return rl, true
}

// trimOWS trims HTTP's optional white space, spaces and tabs (RFC 9110,
// 5.6.3), from both ends of s.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// parseCount reads a count of requests: decimal digits, at most
// maxRateField.
func parseCount(s string) (int, bool) {
	n, rest, ok := leadingCount(s)
	return n, ok && rest == ""
}

// leadingCount reads the count that s begins with, and returns what
// follows it; ok is false when s begins with no digit, or when the count
// passes maxRateField.
func leadingCount(s string) (n int, rest string, ok bool) {
	i := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		if n = n*10 + int(s[i]-'0'); n > maxRateField {
			return 0, "", false
		}
	}
	return n, s[i:], i > 0
}

// paces reports whether rl is low enough to pace requests: a known limit,
// with at most max(10, Limit/100) requests left.
func paces(rl RateLimit) bool {
	return rl.Limit > 0 && rl.Remaining <= max(10, rl.Limit/100)
}

// observe records the rate limit resp reports, if any. A rate limit that
// did not change writes nothing shared; one that did is stored (and given
// to the RateLimit hook), and one that leaves the low budget ends pacing.
func (t *Transport) observe(resp *http.Response) {
	vv := resp.Header[rateLimitHeader] // canonical already: no h.Get
	if len(vv) == 0 {
		return
	}
	rl, ok := parseRateLimit(vv[0])
	if !ok {
		return
	}
	if last := t.rate.Load(); last != nil && *last == rl {
		return
	}
	stored := rl // a copy of its own, made only for a rate limit that changed
	last := t.rate.Swap(&stored)
	if last != nil && *last == rl {
		return // another response stored it first
	}
	if last != nil && paces(*last) && !paces(rl) {
		t.pacer.release() // room again: waiting requests go now
	}
	if h := t.Hooks; h != nil && h.RateLimit != nil {
		h.RateLimit(rl)
	}
}

// RateLimit returns the last rate limit a response through t reported, and
// false if none has. Every App Store Connect API response reports one.
func (t *Transport) RateLimit() (RateLimit, bool) {
	if p := t.rate.Load(); p != nil {
		return *p, true
	}
	return RateLimit{}, false
}
