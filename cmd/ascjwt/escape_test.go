package main

import "testing"

func TestEscapeTextNeutralisesTerminalControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain text: café, 日本":             "plain text: café, 日本",
		"\x1b]0;title\x07\x1b[31mred":      `\x1b]0;title\a\x1b[31mred`,
		"C1 \u009b2J and DEL \x7f":         `C1 \u009b2J and DEL \x7f`,
		"bidi \u202eevil\u202c and \u2066": `bidi \u202eevil\u202c and \u2066`,
		"marks \u200e\u200f\u061c":         `marks \u200e\u200f\u061c`,
		"bad utf-8 \xff\xfe":               `bad utf-8 \xff\xfe`,
		"two\nlines\tand tab":              "two\nlines\\tand tab",
		"forged\r\nline \u2028":            "forged\\r\nline \\u2028",
	} {
		if got := escapeText(in); got != want {
			t.Errorf("escapeText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := oneLine("a\nb\tc\r\u202e"); got != `a\nb\tc\r\u202e` {
		t.Errorf("oneLine = %q", got)
	}
}
