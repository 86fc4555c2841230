package apns_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/ascjwt/ascjwt/apns"
)

// response makes a response with status, apns-id and body.
func response(status int, id, body string) *http.Response {
	h := http.Header{}
	if id != "" {
		h.Set("apns-id", id)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
}

// TestCheckResponseReadsAPNsErrors: CheckResponse gives nil for a 2xx and
// an *apns.Error for any other status, with the reason, the apns-id and
// apns-unique-id, and for a 410 the timestamp, read from the milliseconds
// Apple sends; what is not Apple's form leaves fields empty, never fails.
// The body reads whole afterwards, and the error's text names the status,
// the reason, what to do and the apns-id.
func TestCheckResponseReadsAPNsErrors(t *testing.T) {
	const id = "123E4567-E89B-12D3-A456-4266554400A0"
	gone := time.Date(2026, 3, 1, 12, 30, 15, 250e6, time.UTC)
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   *apns.Error // nil: no error
		text   []string    // in Error()
	}{
		{"200", 200, ``, nil, nil},
		{"bad device token", 400, `{"reason":"BadDeviceToken"}`, &apns.Error{StatusCode: 400, Reason: apns.ReasonBadDeviceToken, ID: id},
			[]string{"apns: push refused with 400 BadDeviceToken: ", "environment pushed to", "apns-id " + id}},
		{"unregistered", 410, `{"reason":"Unregistered","timestamp":` + jsonInt(gone.UnixMilli()) + `}`,
			&apns.Error{StatusCode: 410, Reason: apns.ReasonUnregistered, ID: id, Timestamp: gone},
			[]string{"410 Unregistered", "stop sending to it", "since 2026-03-01T12:30:15Z"}},
		{"expired device token", 410, `{"reason":"ExpiredToken"}`, &apns.Error{StatusCode: 410, Reason: apns.ReasonExpiredToken, ID: id}, []string{"410 ExpiredToken", "has expired"}},
		{"too many requests", 429, `{"reason":"TooManyRequests"}`, &apns.Error{StatusCode: 429, Reason: apns.ReasonTooManyRequests, ID: id}, []string{"429 TooManyRequests", "later"}},
		{"too many token updates", 429, `{"reason":"TooManyProviderTokenUpdates"}`, &apns.Error{StatusCode: 429, Reason: apns.ReasonTooManyProviderTokenUpdates, ID: id}, []string{"20 minutes apart", "two keys"}},
		{"a reason this package does not know", 400, `{"reason":"SomethingNew"}`, &apns.Error{StatusCode: 400, Reason: "SomethingNew", ID: id}, []string{"400 SomethingNew; apns-id"}},
		{"timestamp on a 400 is not Apple's", 400, `{"reason":"BadTopic","timestamp":1700000000000}`, &apns.Error{StatusCode: 400, Reason: apns.ReasonBadTopic, ID: id}, nil},
		{"timestamp not a number", 410, `{"reason":"Unregistered","timestamp":"soon"}`, &apns.Error{StatusCode: 410, Reason: apns.ReasonUnregistered, ID: id}, nil},
		{"timestamp fractional", 410, `{"reason":"Unregistered","timestamp":1.5}`, &apns.Error{StatusCode: 410, Reason: apns.ReasonUnregistered, ID: id}, nil},
		{"reason not a string", 400, `{"reason":400}`, &apns.Error{StatusCode: 400, ID: id}, []string{"400 Bad Request"}},
		{"reason in upper case is not Apple's", 400, `{"REASON":"BadTopic"}`, &apns.Error{StatusCode: 400, ID: id}, nil},
		{"not JSON", 500, `Internal Server Error`, &apns.Error{StatusCode: 500, ID: id}, []string{"500 Internal Server Error"}},
		{"no body", 503, ``, &apns.Error{StatusCode: 503, ID: id}, []string{"503 Service Unavailable"}},
		{"control characters", 400, `{"reason":"Bad\u001b[31m\nToken"}`, &apns.Error{StatusCode: 400, Reason: "Bad\x1b[31m\nToken", ID: id}, []string{`Bad\x1b[31m\nToken`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := response(tc.status, id, tc.body)
			resp.Header.Set("apns-unique-id", "a-unique-id")
			err := apns.CheckResponse(resp)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("CheckResponse = %v, want nil", err)
				}
				return
			}
			var got *apns.Error
			if !errors.As(err, &got) {
				t.Fatalf("CheckResponse = %#v, want an *apns.Error", err)
			}
			tc.want.UniqueID = "a-unique-id"
			if *got != *tc.want {
				t.Errorf("CheckResponse = %+v, want %+v", *got, *tc.want)
			}
			for _, w := range tc.text {
				if !strings.Contains(got.Error(), w) {
					t.Errorf("Error() = %q, does not say %q", got.Error(), w)
				}
			}
			if strings.ContainsFunc(got.Error(), unicode.IsControl) {
				t.Errorf("Error() = %q holds a control character", got.Error())
			}
			rest, err := io.ReadAll(resp.Body)
			if err != nil || string(rest) != tc.body {
				t.Errorf("body afterwards = %q, %v; want it whole", rest, err)
			}
		})
	}
	if err := apns.CheckResponse(nil); err == nil || !strings.HasPrefix(err.Error(), "apns: ") {
		t.Errorf("CheckResponse(nil) = %v, want an apns: error", err)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestCheckResponseOnAPNsRefusals: pushes through ascjwt.NewClient that
// the fake refuses come back from CheckResponse as *apns.Error with
// Apple's reason and the push's apns-id; a device token given to Unregister
// gets 410 with the time it went.
func TestCheckResponseOnAPNsRefusals(t *testing.T) {
	srv, _, client := fakeAPNs(t, nil)
	gone := srv.Now().Add(-time.Hour).Truncate(time.Millisecond)
	const removed = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	srv.Unregister(removed, gone)
	for _, tc := range []struct {
		name   string
		device string
		want   apns.Error
	}{
		{"not hexadecimal", "not-a-device-token", apns.Error{StatusCode: 400, Reason: apns.ReasonBadDeviceToken}},
		{"unregistered", removed, apns.Error{StatusCode: 410, Reason: apns.ReasonUnregistered, Timestamp: gone.UTC()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := push(context.Background(), t, client, srv.URL, tc.device)
			defer resp.Body.Close()
			var got *apns.Error
			if !errors.As(apns.CheckResponse(resp), &got) {
				t.Fatalf("CheckResponse gave no *apns.Error for %s", resp.Status)
			}
			tc.want.ID = resp.Header.Get("apns-id")
			if tc.want.ID == "" || *got != tc.want {
				t.Errorf("CheckResponse = %+v, want %+v", *got, tc.want)
			}
		})
	}
}

// FuzzCheckResponse: whatever a refusal's body holds, CheckResponse does
// not panic, leaves the body whole, gives the reason a plain decoder finds
// in a JSON object's "reason" string, and an Error() with no control
// characters.
func FuzzCheckResponse(f *testing.F) {
	f.Add(400, []byte(`{"reason":"BadDeviceToken"}`))
	f.Add(410, []byte(`{"reason":"Unregistered","timestamp":1700000000000}`))
	f.Add(410, []byte(`{"reason":"Unregistered","timestamp":-1}`))
	f.Add(410, []byte(`{"reason":"Unregistered","timestamp":99999999999999999999}`))
	f.Add(429, []byte(`{"reason":"TooManyRequests","reason":"Shutdown"}`))
	f.Add(403, []byte(`{"reason":"\u0000\u202e"}`))
	f.Add(500, []byte(`[1,2,3]`))
	f.Add(503, []byte(`{"reason":`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status >= 200 && status < 300 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
		var e *apns.Error
		if !errors.As(apns.CheckResponse(resp), &e) {
			t.Fatal("no *apns.Error for a refusal")
		}
		rest, err := io.ReadAll(resp.Body)
		if err != nil || !bytes.Equal(rest, body) {
			t.Fatalf("body afterwards = %q, %v; want %q", rest, err, body)
		}
		var plain struct {
			Reason *string `json:"reason"`
		}
		var object map[string]json.RawMessage
		if json.Unmarshal(body, &object) == nil && json.Unmarshal(object["reason"], &plain.Reason) == nil && plain.Reason != nil && *plain.Reason != e.Reason {
			t.Errorf("Reason = %q, want %q", e.Reason, *plain.Reason)
		}
		if strings.ContainsFunc(e.Error(), unicode.IsControl) {
			t.Errorf("Error() = %q holds a control character", e.Error())
		}
		if !e.Timestamp.IsZero() && status != 410 {
			t.Errorf("Timestamp %v on a %d", e.Timestamp, status)
		}
	})
}
