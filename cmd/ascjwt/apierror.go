package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// summarizeError makes the one line that says why an API refused a
// request, from the status and the body in the two shapes Apple uses:
//
//	App Store Connect: {"errors": [{"status", "code", "title", "detail"}, ...]}
//	App Store Server:  {"errorCode": 4040010, "errorMessage": "Transaction id not found."}
//
// and the status alone for anything else. The caller escapes the line.
// (When the package offers a typed error for answers, ascjwt.CheckResponse,
// this is the one function to swap for it.)
func summarizeError(status string, body []byte) string {
	var asc struct {
		Errors []struct {
			Code   string `json:"code"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &asc) == nil && len(asc.Errors) > 0 {
		e := asc.Errors[0]
		parts := []string{status}
		for _, p := range []string{e.Code, e.Title, e.Detail} {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		line := strings.Join(parts, ": ")
		if n := len(asc.Errors) - 1; n > 0 {
			line += fmt.Sprintf(" (and %d more %s; the whole answer is on stdout)", n, plural(n, "error", "errors"))
		}
		return line
	}
	var server struct {
		Code    json.Number `json:"errorCode"`
		Message string      `json:"errorMessage"`
	}
	if json.Unmarshal(body, &server) == nil && (server.Code != "" || server.Message != "") {
		parts := []string{status}
		if server.Code != "" {
			parts = append(parts, "errorCode "+server.Code.String())
		}
		if m := strings.TrimSpace(server.Message); m != "" {
			parts = append(parts, m)
		}
		return strings.Join(parts, ": ")
	}
	return status
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// rateLimit is what Apple's X-Rate-Limit header says of the key's hourly
// budget: "user-hour-lim:3500;user-hour-rem:500;".
type rateLimit struct {
	limit, remaining int
}

// parseRateLimit reads X-Rate-Limit; false when it is absent or in another
// form.
func parseRateLimit(v string) (rateLimit, bool) {
	rl := rateLimit{limit: -1, remaining: -1}
	for field := range strings.SplitSeq(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(field), ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 0 {
			continue
		}
		switch strings.TrimSpace(k) {
		case "user-hour-lim":
			rl.limit = n
		case "user-hour-rem":
			rl.remaining = n
		}
	}
	return rl, rl.remaining >= 0
}
