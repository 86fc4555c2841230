package main

import "testing"

func TestEscapeTextNeutralisesTerminalControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain text: café, 日本":             "plain text: café, 日本",
		"\x1b]0;title\x07\x1b[31mred":      `\x1b]0;title\x07\x1b[31mred`,
		"C1 \u009b2J and DEL \x7f":         `C1 \u009b2J and DEL \x7f`,
		"bidi \u202eevil\u202c and \u2066": `bidi \u202eevil\u202c and \u2066`,
		"bad utf-8 \xff\xfe":               `bad utf-8 \xff\xfe`,
		"two\nlines\tand tab":              "two\nlines\tand tab",
	} {
		if got := escapeText(in); got != want {
			t.Errorf("escapeText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := oneLine("a\nb\tc\r"); got != `a\nb\tc\x0d` {
		t.Errorf("oneLine = %q", got)
	}
}
