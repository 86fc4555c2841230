// Package safetext makes text that came from a server safe to print on a
// terminal or in a log line. A server's error message may hold ESC (which
// starts terminal sequences that can retitle a window, rewrite the screen or
// plant a link), line breaks that forge log lines, or bytes that are not
// UTF-8.
package safetext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line returns s with control characters (C0, DEL, C1, the Unicode line and
// paragraph separators, and the direction controls that can make a terminal
// show text in another order than it is, "Trojan Source") escaped as Go would quote them, invalid UTF-8 as
// \xNN, and at most max runes of it, "..." marking a cut.
func Line(s string, max int) string {
	var b strings.Builder
	for n := 0; s != ""; n++ {
		if n == max {
			b.WriteString("...")
			break
		}
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[0])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[0])&15, 16))
		case r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || bidi(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// bidi reports whether r is a Unicode direction control: the embeddings and
// overrides U+202A-U+202E, the isolates U+2066-U+2069, the marks U+200E,
// U+200F and U+061C.
func bidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}
