package ascjwt

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/respbody"
	"github.com/ascjwt/ascjwt/internal/retryafter"
	"github.com/ascjwt/ascjwt/internal/safetext"
)

// APIError is an error response from one of Apple's APIs, as [CheckResponse]
// reads it. App Store Connect API responses fill Errors (its JSON:API
// "errors" array); App Store Server API responses fill ErrorCode and
// ErrorMessage. Use [errors.As] to reach it through wrapping.
type APIError struct {
	// StatusCode is the response's HTTP status.
	StatusCode int
	// Errors are the App Store Connect API's error objects.
	Errors []ErrorObject
	// ErrorCode and ErrorMessage are the App Store Server API's
	// {"errorCode":4290000,"errorMessage":"..."}.
	ErrorCode    int
	ErrorMessage string
	// RetryAfter is how long the response asks to wait before trying again,
	// from its Retry-After header; zero when it does not say.
	RetryAfter time.Duration

	request  string // "GET /v1/apps", for Error
	withheld string // why the Transport sent the request without its token
}

// ErrorObject is one entry of an App Store Connect API error response
// ("Interpreting and Handling Errors" in Apple's documentation).
type ErrorObject struct {
	ID     string       `json:"id,omitempty"`
	Status string       `json:"status"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Source *ErrorSource `json:"source,omitempty"`
}

// ErrorSource says which part of the request an [ErrorObject] is about: a
// JSON pointer into the request body, or a query parameter.
type ErrorSource struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

// maxErrorBody is how much of an error response CheckResponse reads: Apple's
// are a few hundred bytes, and a log line need not hold more.
const maxErrorBody = 1 << 20

// CheckResponse returns nil for a 2xx response and an [*APIError] for any
// other. For a 401 or 403 to a request that [Transport] sent without its
// token (a host the token is not for, plain http, a redirect to another
// origin), the error says so and why. It reads at most 1 MiB of the body to parse it and leaves resp.Body
// readable from the start, so the caller can still print or decode it. Use
// it after each request, as you would check an error:
//
//	resp, err := client.Get(ascjwt.AppStoreConnectURL + "/v1/apps")
//	if err != nil {
//		return err
//	}
//	defer resp.Body.Close()
//	if err := ascjwt.CheckResponse(resp); err != nil {
//		return err // "ascjwt: the API answered 404 Not Found to GET /v1/apps/1: NOT_FOUND: ..."
//	}
func CheckResponse(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &APIError{StatusCode: resp.StatusCode}
	if r := resp.Request; r != nil && r.URL != nil {
		e.request = r.Method + " " + r.URL.Path
	}
	if d, ok := retryafter.Parse(resp.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
	e.withheld = withheldFrom(resp)
	head, err := respbody.Peek(resp, maxErrorBody)
	if err != nil || head == nil {
		return e
	}
	var body struct {
		Errors       []ErrorObject `json:"errors"`
		ErrorCode    int           `json:"errorCode"`
		ErrorMessage string        `json:"errorMessage"`
	}
	if json.Unmarshal(head, &body) == nil {
		e.Errors, e.ErrorCode, e.ErrorMessage = body.Errors, body.ErrorCode, body.ErrorMessage
	}
	return e
}

// maxErrorText bounds each text Error quotes from the response.
const maxErrorText = 200

// Error is one line a log can hold: the status, and the first error's code,
// title and detail (or the App Store Server API's code and message), with
// control characters escaped and long texts cut.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("ascjwt: the API answered ")
	b.WriteString(respbody.Status(e.StatusCode))
	if e.request != "" {
		b.WriteString(" to " + safetext.Line(e.request, maxErrorText))
	}
	switch {
	case len(e.Errors) > 0:
		first := e.Errors[0]
		sep := ": "
		for _, s := range []string{first.Code, first.Title, first.Detail} {
			if s == "" {
				continue
			}
			s = safetext.Line(s, maxErrorText)
			b.WriteString(sep + s)
			sep = separatorAfter(s)
		}
		if src := first.Source; src != nil && (src.Pointer != "" || src.Parameter != "") {
			b.WriteString(" (at " + safetext.Line(src.Pointer+src.Parameter, maxErrorText) + ")")
		}
		if n := len(e.Errors) - 1; n > 0 {
			fmt.Fprintf(&b, " (and %d more)", n)
		}
	case e.ErrorCode != 0 || e.ErrorMessage != "":
		fmt.Fprintf(&b, ": %d", e.ErrorCode)
		if e.ErrorMessage != "" {
			b.WriteString(" " + safetext.Line(e.ErrorMessage, maxErrorText))
		}
	}
	if e.RetryAfter > 0 {
		b.WriteString("; retry after " + e.RetryAfter.String())
	}
	if e.withheld != "" {
		b.WriteString("; ascjwt sent the request without a token: " + e.withheld)
	}
	return b.String()
}

// separatorAfter is what joins s to the text after it: a space after a
// sentence that has its own end ("The request rate limit has been
// reached."), so that no text gets two separators, and ": " otherwise.
func separatorAfter(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, ":") {
		return " "
	}
	return ": "
}
