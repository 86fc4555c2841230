package ascjwt

import (
	"net/http"
	"strconv"
	"strings"
)

// RateLimit is Apple's report of a key's hourly request budget, from the
// X-Rate-Limit header of every App Store Connect API answer
// ("user-hour-lim:3500;user-hour-rem:500;"): Limit requests an hour, of
// which Remaining are left. The budget belongs to the key, so every process
// that uses the key sees, and spends, the same one.
type RateLimit struct {
	Limit, Remaining int
}

// rateLimitHeader is where Apple reports the budget ("Rate limits" in the
// App Store Connect API documentation).
const rateLimitHeader = "X-Rate-Limit"

// maxRateField bounds each number, so that a RateLimit packs into 64 bits
// (see Transport.rate); Apple's limits are in the thousands.
const maxRateField = 1<<31 - 1

// ParseRateLimit reads Apple's X-Rate-Limit header from h. Entries may come
// in any order, with spaces around them, and unknown entries are ignored;
// ok is false when the header is absent, when either number is missing, or
// when an entry is malformed.
func ParseRateLimit(h http.Header) (rl RateLimit, ok bool) {
	// The key is canonical already: index the map, which h.Get would do
	// after checking that, on every answer.
	vv := h[rateLimitHeader]
	if len(vv) == 0 {
		return RateLimit{}, false
	}
	return parseRateLimit(vv[0])
}

// parseRateLimit reads one X-Rate-Limit value.
func parseRateLimit(v string) (rl RateLimit, ok bool) {
	if v == "" {
		return RateLimit{}, false
	}
	var haveLim, haveRem bool
	for v != "" {
		var entry string
		entry, v, _ = strings.Cut(v, ";")
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, num, found := strings.Cut(entry, ":")
		if !found {
			return RateLimit{}, false
		}
		var dst *int
		switch strings.TrimSpace(name) {
		case "user-hour-lim":
			dst, haveLim = &rl.Limit, true
		case "user-hour-rem":
			dst, haveRem = &rl.Remaining, true
		default:
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if err != nil || n < 0 || n > maxRateField {
			return RateLimit{}, false
		}
		*dst = n
	}
	if !haveLim || !haveRem {
		return RateLimit{}, false
	}
	return rl, true
}

// pack and unpack keep a RateLimit in one atomic word: a set bit, a bit
// that says the budget is low, then the limit and the remainder, 31 bits
// each. Zero means none seen.
func (rl RateLimit) pack() uint64 {
	w := uint64(1)<<63 | uint64(rl.Limit)<<31 | uint64(rl.Remaining)
	if rl.Limit > 0 && rl.low() {
		w |= lowBudget
	}
	return w
}

// lowBudget is the bit of a packed RateLimit that says requests should be
// paced, so that the per-request check is one load and one AND.
const lowBudget = 1 << 62

func unpack(w uint64) (RateLimit, bool) {
	if w == 0 {
		return RateLimit{}, false
	}
	return RateLimit{Limit: int(w >> 31 & maxRateField), Remaining: int(w & maxRateField)}, true
}

// low reports whether the budget is low enough to pace requests: at most
// max(10, Limit/100) left.
func (rl RateLimit) low() bool {
	return rl.Remaining <= max(10, rl.Limit/100)
}
