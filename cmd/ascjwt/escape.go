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
// breaks, invalid UTF-8 and the Unicode direction controls, which make text
// read other than it is.
func oneLine(s string) string { return safetext.Line(s, maxLineRunes) }

// note prints a message line on stderr, escaped: it may name a path, and a
// path may hold anything but NUL and '/', C1 controls and direction marks
// among it.
func (c *cmd) note(format string, args ...any) {
	fmt.Fprintln(c.stderr, escapeText(fmt.Sprintf(format, args...)))
}

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
