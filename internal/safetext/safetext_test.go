package safetext

import (
	"strings"
	"testing"
)

func TestLineEscapesWhatATerminalWouldObey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, café", "plain text, café"},
		{"\x1b]0;pwned\x07title", `\x1b]0;pwned\atitle`},
		{"\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"line\nforged: yes\r", `line\nforged: yes\r`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"sep\u2028x", `sep\u2028x`},
		{"abc\u202edcba\u2066x\u200f", `abc\u202edcba\u2066x\u200f`},
		{strings.Repeat("é", 10), strings.Repeat("é", 4) + "..."},
	} {
		max := 100
		if strings.HasPrefix(tc.in, "é") {
			max = 4
		}
		if got := Line(tc.in, max); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := Line(tc.in, max); strings.ContainsAny(got, "\x1b\n\r\x07\u009b") {
			t.Errorf("Line(%q) = %q keeps a control character", tc.in, got)
		}
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "abc", "\x1b[31m", "\xff\xfe", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Line(s, 50)
		for _, r := range got {
			if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || bidi(r) {
				t.Fatalf("Line(%q) = %q keeps control rune %U", s, got, r)
			}
		}
	})
}
