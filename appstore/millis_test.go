package appstore

import (
	"testing"
	"time"
)

// FuzzMillis checks that a date written as Apple writes it reads back
// to the same nanosecond, and that no input makes the reader panic.
func FuzzMillis(f *testing.F) {
	f.Add(int64(1697679936049), int64(729700), "1697679936049.7297")
	f.Add(int64(-62135769600000), int64(0), "-62135769600000")
	f.Add(int64(-1), int64(250000), "-0.75")
	f.Add(int64(0), int64(1), "1.5e12")
	f.Add(int64(253402300799999), int64(999999), "-")
	f.Fuzz(func(t *testing.T, msec, sub int64, text string) {
		parseMillis(text) // no panic; any error
		if msec < -1e15 || msec > 1e15 {
			return
		}
		sub %= int64(time.Millisecond)
		if sub < 0 {
			sub = -sub
		}
		want := time.UnixMilli(msec).Add(time.Duration(sub)).UTC()
		got, err := parseMillis(string(appendMillis(nil, want)))
		if err != nil || !got.Equal(want) {
			t.Fatalf("%v written as %s reads back as %v, %v", want, appendMillis(nil, want), got, err)
		}
	})
}

func TestParseMillis(t *testing.T) {
	for in, want := range map[string]time.Time{
		"0":                  time.Unix(0, 0),
		"1697680122257.447":  time.UnixMilli(1697680122257).Add(447 * time.Microsecond),
		"-62135769600000":    time.Date(0, 12, 30, 0, 0, 0, 0, time.UTC),
		"-0.75":              time.Unix(0, -750000),
		"-1.25":              time.Unix(0, -1250000),
		"12.1234567":         time.Unix(0, 12123456),
		"1.5e12":             time.UnixMilli(1.5e12),
		"1697680122257.0000": time.UnixMilli(1697680122257),
	} {
		got, err := parseMillis(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseMillis(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{`"1"`, "true", "{}", "1e400", "99999999999999999999", "-"} {
		if _, err := parseMillis(in); err == nil {
			t.Errorf("parseMillis(%s) succeeded", in)
		}
	}
}
