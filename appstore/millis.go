package appstore

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// millis reads and writes one of Apple's dates, a JSON number of
// milliseconds since 1970 UTC, into the time.Time it points at. The App
// Store sends whole milliseconds; StoreKit testing in Xcode sends
// fractional ones (1697679936049.7297) and, for a date it does not have,
// a negative one (-62135769600000, the year 1). Both decode: the fraction
// is kept to the nanosecond, read from the digits rather than through a
// float64, which would round it.
type millis struct{ t *time.Time }

var errMillis = errors.New("not a date: Apple's dates are JSON numbers of milliseconds since 1970")

func (m millis) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*m.t = time.Time{}
		return nil
	}
	t, err := parseMillis(s)
	if err != nil {
		return err
	}
	*m.t = t
	return nil
}

// parseMillis reads a JSON number of milliseconds. Integers and decimals
// are read exactly; a number with an exponent goes through float64.
func parseMillis(s string) (time.Time, error) {
	num, neg := strings.CutPrefix(s, "-")
	whole, frac, dot := strings.Cut(num, ".")
	if !digits(whole) || dot && !digits(frac) {
		return parseMillisFloat(s)
	}
	ms, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return time.Time{}, errMillis
	}
	var ns int64 // the fraction's first six digits: nanoseconds
	for i := range 6 {
		ns *= 10
		if i < len(frac) {
			ns += int64(frac[i] - '0')
		}
	}
	sec, nsec := ms/1000, ms%1000*int64(time.Millisecond)+ns
	if neg {
		sec, nsec = -sec, -nsec
	}
	return time.Unix(sec, nsec).UTC(), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func parseMillisFloat(s string) (time.Time, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.Abs(f) > 1e17 { // 1e17 ms is three million years
		return time.Time{}, errMillis
	}
	sec := math.Floor(f / 1000)
	return time.Unix(int64(sec), int64(math.Round((f-sec*1000)*1e6))).UTC(), nil
}

func (m millis) MarshalJSON() ([]byte, error) {
	return appendMillis(nil, *m.t), nil
}

// IsZero makes omitzero leave an absent date out.
func (m millis) IsZero() bool { return m.t == nil || m.t.IsZero() }

// appendMillis writes t as Apple does: whole milliseconds, with a
// fraction only when t has one.
func appendMillis(b []byte, t time.Time) []byte {
	ms, rest := t.UnixMilli(), int64(t.Nanosecond())%int64(time.Millisecond) // ms rounds down, so rest >= 0
	if rest == 0 {
		return strconv.AppendInt(b, ms, 10)
	}
	if ms < 0 { // -1.25 ms is ms -2 and rest 0.75 ms: write it as -(1 + 0.25)
		b = append(b, '-')
		ms, rest = -ms-1, int64(time.Millisecond)-rest
	}
	b = strconv.AppendInt(b, ms, 10)
	frac := strconv.AppendInt(nil, int64(time.Millisecond)+rest, 10)[1:] // six digits with leading zeros
	return append(append(b, '.'), bytes.TrimRight(frac, "0")...)
}
