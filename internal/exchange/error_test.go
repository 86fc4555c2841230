package exchange

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

func TestErrorTellsTemporaryFromPermanent(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		temp bool
	}{
		{Error{StatusCode: 500}, true},
		{Error{StatusCode: 503}, true},
		{Error{StatusCode: 429}, true},
		{Error{StatusCode: 408}, true},
		{Error{StatusCode: 400, Code: "temporarily_unavailable"}, true},
		{Error{StatusCode: 400, Code: "server_error"}, true},
		{Error{StatusCode: 400, Code: "invalid_client"}, false},
		{Error{StatusCode: 401, Code: "invalid_client"}, false},
		{Error{StatusCode: 503, Code: "invalid_grant"}, false},
		{Error{StatusCode: 401}, false},
		{Error{StatusCode: 403}, false},
		{Error{StatusCode: 404}, false},
	} {
		if got := tc.e.Temporary(); got != tc.temp {
			t.Errorf("%d %q: Temporary() = %v, want %v", tc.e.StatusCode, tc.e.Code, got, tc.temp)
		}
	}
}

// errorFor exchanges once with an endpoint that answers status and body,
// and returns the *Error.
func errorFor(t *testing.T, status int, header http.Header, body string) *Error {
	t.Helper()
	e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	})
	s, _ := newSource(t, e, fakeclock.New(t0))
	_, err := s.Token(context.Background())
	var xe *Error
	if !errors.As(err, &xe) {
		t.Fatalf("%d %s: %v, want an *Error", status, body, err)
	}
	return xe
}

func TestErrorReadsBothErrorDocuments(t *testing.T) {
	json := http.Header{"Content-Type": {"application/json"}}
	oauth := errorFor(t, 400, json, `{"error":"invalid_client","error_description":"the key is revoked"}`)
	if oauth.Code != "invalid_client" || oauth.Description != "the key is revoked" || oauth.Message != "" {
		t.Errorf("OAuth error read as %+v", *oauth)
	}
	if got := oauth.Error(); got != "test: the token endpoint refused the exchange (400, invalid_client: the key is revoked): check Config.TokenURL, which should be Apple's token endpoint" {
		t.Errorf("OAuth error says %q", got)
	}
	apple := errorFor(t, 401, json, `{"error":{"message":"Not Authorized","details":["iss is wrong","kid is unknown"]}}`)
	if apple.Code != "" || apple.Message != "Not Authorized: iss is wrong; kid is unknown" {
		t.Errorf("Apple's ErrorResponse read as %+v", *apple)
	}
	if got := apple.Error(); !strings.HasPrefix(got, "test: the token endpoint answered 401 Unauthorized: ") || !strings.HasSuffix(got, " (Apple says: Not Authorized: iss is wrong; kid is unknown)") {
		t.Errorf("Apple's error says %q", got)
	}
	neither := errorFor(t, 502, http.Header{"Content-Type": {"text/html; charset=utf-8"}}, `<html>bad gateway</html>`)
	if got := neither.Error(); !strings.Contains(got, "502 Bad Gateway with 24 bytes of text/html and no OAuth error") || strings.Contains(got, "bad gateway") {
		t.Errorf("an error page says %q", got)
	}
	quota := errorFor(t, 429, http.Header{"Retry-After": {"120"}}, ``)
	if quota.RetryAfter.Seconds() != 120 || !quota.Temporary() {
		t.Errorf("429 read as %+v", *quota)
	}
}

// TestErrorReadsRetryAfterInEveryForm: a token endpoint's Retry-After is
// read as the Transport reads one, an HTTP date and UNIX milliseconds too,
// at the source's clock, and bounded by a day.
func TestErrorReadsRetryAfterInEveryForm(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration
	}{
		{"120", 120 * time.Second},
		{t0.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{strconv.FormatInt(t0.Add(time.Minute).UnixMilli(), 10), time.Minute}, // UNIX milliseconds
		{"31536000", 24 * time.Hour},                                          // a year asked, a day at most
		{"-5", 0},
		{"soon", 0},
	} {
		if got := errorFor(t, 429, http.Header{"Retry-After": {tc.value}}, ``).RetryAfter; got != tc.want {
			t.Errorf("Retry-After %q read as %s, want %s", tc.value, got, tc.want)
		}
	}
}

func TestEchoedCredentialIsCutOutWholeAndByItsParts(t *testing.T) {
	const secret = "header.secret-payload-of-the-assertion.secret-signature-of-the-assertion" // newSource's
	for _, echo := range []string{secret, "secret-payload-of-the-assertion", "secret-signature-of-the-assertion"} {
		xe := errorFor(t, 400, nil, fmt.Sprintf(`{"error":"invalid_grant","error_description":"bad: %s"}`, echo))
		if got := xe.Error(); strings.Contains(got, "secret-") || !strings.Contains(got, "bad: <the assertion>") {
			t.Errorf("echo of %q: %q", echo, got)
		}
	}
	xe := errorFor(t, 400, nil, "{\"error\":\"invalid_grant\\u001b[31m\",\"error_description\":\"line\\nFAKE\"}")
	if got := xe.Error(); strings.ContainsAny(got, "\x1b\n") {
		t.Errorf("server text not escaped: %q", got)
	}
}
