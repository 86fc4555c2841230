package main

import (
	"fmt"
	"strings"

	"github.com/ascjwt/ascjwt/internal/safetext"
)

// maxLineRunes bounds one line of a message: a server's text or a URL is
// never worth more than a screenful, and a 64 MiB error detail should not
// flood a terminal.
const maxLineRunes = 4096

// oneLine makes text that came from elsewhere (a server's error detail, a
// header, a URL in a links.next) safe to print as one line of a message:
// safetext.Line escapes the control characters a terminal obeys (ESC, and
// so the sequences that recolour it, retitle it or plant a link), line
// breaks and invalid UTF-8; escapeBidi adds the Unicode direction controls,
// which make text read other than it is.
func oneLine(s string) string { return escapeBidi(safetext.Line(s, maxLineRunes)) }

// escapeText is oneLine for a message that may hold several lines: its line
// breaks are kept, everything else is escaped.
func escapeText(s string) string {
	if !strings.Contains(s, "\n") {
		return oneLine(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = oneLine(l)
	}
	return strings.Join(lines, "\n")
}

// escapeBidi writes the Unicode bidirectional overrides, embeddings,
// isolates and marks as Go escapes (\u202e). safetext.Line leaves them as
// they are; this is the one thing the command needs beyond it, and belongs
// in safetext (reported to the lead), after which this goes.
func escapeBidi(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isBidiControl(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.WriteRune(r) // s comes from safetext.Line: valid UTF-8
		}
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}
