package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// escapeText makes text that came from elsewhere (a server's error detail,
// a header, a URL in a links.next) safe to print as a message: control
// characters (ESC, and so the CSI and OSC sequences that recolour a
// terminal, set its title or write a hyperlink), the C1 controls, the
// Unicode direction overrides that make text read other than it is, and
// invalid UTF-8 are written as Go escapes (\x1b, \u202e). New lines and
// tabs are kept; oneLine escapes those too.
func escapeText(s string) string { return escape(s, false) }

// oneLine is escapeText for a message that must stay on one line.
func oneLine(s string) string { return escape(s, true) }

func escape(s string, newlines bool) string {
	clean := true
	for _, r := range s {
		if mustEscape(r, newlines) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && newlines:
			b.WriteString(`\n`)
		case r == '\t' && newlines:
			b.WriteString(`\t`)
		case mustEscape(r, newlines) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case mustEscape(r, newlines):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func mustEscape(r rune, newlines bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return newlines
	case r == utf8.RuneError:
		return true // invalid UTF-8, or U+FFFD itself, which is harmless but rare
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional overrides and marks
	}
	return false
}
