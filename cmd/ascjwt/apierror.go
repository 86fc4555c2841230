package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/respbody"
)

// reportAPIError handles a non-2xx answer: the body goes to stdout as
// received (indented when JSON), so that a script piping into jq sees
// Apple's errors too, and one escaped line goes to stderr. It returns
// errReported, for exit status 1. where, when set, says which page of a
// --paginate run was refused; waits says what --max-wait allowed.
func (c *cmd) reportAPIError(resp *http.Response, where string, waits *waitReporter) error {
	// CheckResponse reads the body to parse it and puts it back, so the
	// summary is the package's, word for word, and stdout still gets all.
	checked := ascjwt.CheckResponse(resp)
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONAnswer))
	if len(data) > 0 {
		if isJSON(resp.Header) || json.Valid(data) {
			writeIndented(c.stdout, data)
		} else {
			c.stdout.Write(data)
		}
	}
	line := "ascjwt api: " + where + summarize(checked, resp, waits)
	if err != nil {
		line += " (the body was cut short: " + err.Error() + ")"
	}
	fmt.Fprintln(c.stderr, oneLine(line))
	return errReported
}

// summarize is the one line that says why the API refused a request:
// ascjwt.CheckResponse's, with the command's own hints after it.
func summarize(checked error, resp *http.Response, waits *waitReporter) string {
	var ae *ascjwt.APIError
	if !errors.As(checked, &ae) {
		// Not an error answer after all; say what came back.
		return "the API answered " + respbody.Status(resp.StatusCode)
	}
	line := strings.TrimPrefix(ae.Error(), "ascjwt: ")
	if len(ae.Errors) > 1 {
		line += "; the whole answer is on stdout"
	}
	if ae.StatusCode == http.StatusTooManyRequests && waits != nil {
		line += "; " + waits.notWaitedHint()
	}
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
