package apns

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
)

// answer makes a response with status, body and declared length (-1 for
// none).
func answer(status int, body string, length int64) *http.Response {
	return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body)), ContentLength: length}
}

// TestRefusedTokenReadsAPNsReasons: a 403 refuses the token when its
// reason says so (ExpiredProviderToken, InvalidProviderToken) and not for
// another reason; one whose reason cannot be read without waiting counts as
// refused; a 401 (DeviceCheck's form) is a refusal; nothing else is. The
// body reads the same afterwards, from the start.
func TestRefusedTokenReadsAPNsReasons(t *testing.T) {
	src := newFixture(t, nil).src
	long := `{"reason":"ExpiredProviderToken","pad":"` + strings.Repeat("x", 600) + `"}`
	for _, tc := range []struct {
		name   string
		status int
		body   string
		length int64
		want   bool
	}{
		{"expired", 403, `{"reason":"ExpiredProviderToken"}`, -2, true},
		{"invalid", 403, `{"reason":"InvalidProviderToken"}`, -2, true},
		{"missing", 403, `{"reason":"MissingProviderToken"}`, -2, false},
		{"forbidden", 403, `{"reason":"Forbidden"}`, -2, false},
		{"not JSON", 403, `Forbidden`, -2, false},
		{"empty 403", 403, ``, 0, false},
		{"403 of unknown length", 403, `{"reason":"Forbidden"}`, -1, true},
		{"403 longer than 512 bytes", 403, long, -2, true},
		{"401 (DeviceCheck)", 401, `Unable to verify authorization token`, -2, true},
		{"429 too many updates", 429, `{"reason":"TooManyProviderTokenUpdates"}`, -2, false},
		{"400", 400, `{"reason":"BadDeviceToken"}`, -2, false},
		{"410", 410, `{"reason":"Unregistered"}`, -2, false},
		{"200", 200, ``, 0, false},
		{"500", 500, `{"reason":"InternalServerError"}`, -2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.length
			if n == -2 {
				n = int64(len(tc.body))
			}
			resp := answer(tc.status, tc.body, n)
			if got := src.RefusedToken(resp); got != tc.want {
				t.Errorf("RefusedToken = %v, want %v", got, tc.want)
			}
			rest, err := io.ReadAll(resp.Body)
			if err != nil || string(rest) != tc.body {
				t.Errorf("body afterwards = %q, %v; want it whole from the start", rest, err)
			}
			if err := resp.Body.Close(); err != nil {
				t.Error(err)
			}
		})
	}
}

// stalled is a body that gives its bytes and then blocks until released,
// as a server that stops sending does.
type stalled struct {
	r       *bytes.Reader
	release chan struct{}
	closed  bool
}

func (s *stalled) Read(p []byte) (int, error) {
	if s.r.Len() > 0 {
		return s.r.Read(p)
	}
	<-s.release
	return 0, io.EOF
}

func (s *stalled) Close() error { s.closed = true; return nil }

// TestStalled403DoesNotHoldTheJudge: a 403 whose server stops sending is
// read only as far as its declared length, and one of unknown length not at
// all, so the judge returns without waiting on the server.
func TestStalled403DoesNotHoldTheJudge(t *testing.T) {
	src := newFixture(t, nil).src
	reason := `{"reason":"ExpiredProviderToken"}`
	for _, tc := range []struct {
		name   string
		length int64
		want   bool
	}{{"declared length", int64(len(reason)), true}, {"unknown length", -1, true}} {
		t.Run(tc.name, func(t *testing.T) {
			body := &stalled{r: bytes.NewReader([]byte(reason)), release: make(chan struct{})}
			defer close(body.release)
			resp := &http.Response{StatusCode: 403, Body: body, ContentLength: tc.length}
			done := make(chan bool, 1)
			go func() { done <- src.RefusedToken(resp) }()
			select {
			case got := <-done:
				if got != tc.want {
					t.Errorf("RefusedToken = %v, want %v", got, tc.want)
				}
			case <-time.After(10 * time.Second): // a failure guard, not synchronization
				t.Fatal("RefusedToken waited on a stalled body")
			}
			head := make([]byte, len(reason))
			if _, err := io.ReadFull(resp.Body, head); err != nil || string(head) != reason {
				t.Errorf("body afterwards starts %q, %v; want the reason from the start", head, err)
			}
			resp.Body.Close()
			if !body.closed {
				t.Error("closing the body afterwards did not close the server's body")
			}
		})
	}
}

// FuzzRefusedToken: whatever a 403 holds and declares, the judge does not
// panic and leaves the body readable, whole, from the start.
func FuzzRefusedToken(f *testing.F) {
	f.Add(403, []byte(`{"reason":"ExpiredProviderToken"}`), int64(33))
	f.Add(403, []byte(`{"reason":"InvalidProviderToken"}`), int64(-1))
	f.Add(403, []byte(`{"reason":`), int64(600))
	f.Add(401, []byte(``), int64(0))
	f.Add(403, []byte(`{"reason":"Forbidden"}`), int64(5))
	src, err := NewTokenSource(Config{KeyID: testKeyID, TeamID: testTeamID, PrivateKey: mustKey(f)})
	if err != nil {
		f.Fatal(err)
	}
	judge := src.(ascjwt.RefusalJudge)
	f.Fuzz(func(t *testing.T, status int, body []byte, length int64) {
		resp := &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: length}
		judge.RefusedToken(resp)
		rest, err := io.ReadAll(resp.Body)
		if err != nil || !bytes.Equal(rest, body) {
			t.Fatalf("body afterwards = %q, %v; want %q", rest, err, body)
		}
	})
}
