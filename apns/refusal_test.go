package apns

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
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
		// In a bubble, so that the body's bytes, there at once, always
		// win over the judge's wait, however loaded the machine.
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
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
		})
	}
}

// stalled is a body that gives its bytes and then blocks until released,
// as a server that stops sending does; then it ends.
type stalled struct {
	r       *bytes.Reader
	release chan struct{}
	closed  atomic.Bool
}

func (s *stalled) Read(p []byte) (int, error) {
	if s.r.Len() > 0 {
		return s.r.Read(p)
	}
	<-s.release
	return 0, io.EOF
}

func (s *stalled) Close() error { s.closed.Store(true); return nil }

// TestStalled403DoesNotHoldTheJudge: a 403 whose server stops sending is
// read only as far as what has arrived (its declared length at most), and
// one of unknown length not at all, so the judge returns without waiting on
// the server: a 403 that declares 33 bytes, sends 10 and stalls counts as a
// refusal at once, its reason unread. The body reads the same afterwards.
// Each case runs in a bubble: a judge that waited on the stalled body would
// block there until the 10-second guard fires and fails the test.
func TestStalled403DoesNotHoldTheJudge(t *testing.T) {
	src := newFixture(t, nil).src
	reason := `{"reason":"ExpiredProviderToken"}`
	for _, tc := range []struct {
		name   string
		sent   string // what the server sends before it stalls
		length int64
		want   bool
	}{
		{"declared length, all sent", reason, int64(len(reason)), true},
		{"declared length, part sent", reason[:10], int64(len(reason)), true},
		{"declared length, none sent", "", int64(len(reason)), true},
		{"declared length, part of a forbidden reason sent", `{"reason":"Forb`, int64(len(`{"reason":"Forbidden"}`)), true},
		{"unknown length", reason, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				body := &stalled{r: bytes.NewReader([]byte(tc.sent)), release: make(chan struct{})}
				resp := &http.Response{StatusCode: 403, Body: body, ContentLength: tc.length}
				done := make(chan bool, 1)
				go func() { done <- src.RefusedToken(resp) }()
				select {
				case got := <-done:
					if got != tc.want {
						t.Errorf("RefusedToken = %v, want %v", got, tc.want)
					}
				case <-time.After(10 * time.Second): // a failure guard, not synchronization
					close(body.release)
					t.Fatal("RefusedToken waited on a stalled body")
				}
				if tc.sent == reason {
					head := make([]byte, len(reason))
					if _, err := io.ReadFull(resp.Body, head); err != nil || string(head) != reason {
						t.Errorf("body afterwards starts %q, %v; want the reason from the start", head, err)
					}
				}
				close(body.release) // the server sends nothing more, and ends
				rest, err := io.ReadAll(resp.Body)
				if tc.sent == reason {
					rest = append([]byte(reason), rest...)
				}
				if err != nil || string(rest) != tc.sent {
					t.Errorf("body afterwards = %q, %v; want what the server sent, %q", rest, err, tc.sent)
				}
				resp.Body.Close()
				if !body.closed.Load() {
					t.Error("closing the body afterwards did not close the server's body")
				}
			})
		})
	}
}

// TestStalled403BodyCloseEndsTheRead: when the judge gave up on a stalled
// body, closing the body (as the Transport does before a retry) lets the
// read it started end, so that no goroutine outlives the response.
func TestStalled403BodyCloseEndsTheRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := newFixture(t, nil).src
		body := &closable{stalled: stalled{r: bytes.NewReader([]byte(`{"rea`)), release: make(chan struct{})}}
		resp := &http.Response{StatusCode: 403, Body: body, ContentLength: 33}
		if !src.RefusedToken(resp) {
			t.Error("RefusedToken = false for a stalled 403, want true")
		}
		resp.Body.Close()
		synctest.Wait() // the judge's read has returned: nothing in the bubble is left blocked on the body
		if !body.closed.Load() {
			t.Error("Close did not reach the server's body")
		}
	})
}

// closable is a stalled body whose Close ends a read waiting on it, as an
// HTTP/2 response body's does.
type closable struct {
	stalled
	once sync.Once
}

func (c *closable) Close() error {
	c.stalled.Close()
	c.once.Do(func() { close(c.release) })
	return nil
}

// FuzzRefusedToken: whatever a 403 holds and declares, the judge does not
// panic and leaves the body readable, whole, from the start.
func FuzzRefusedToken(f *testing.F) {
	f.Add(403, []byte(`{"reason":"ExpiredProviderToken"}`), int64(33))
	f.Add(403, []byte(`{"reason":"InvalidProviderToken"}`), int64(-1))
	f.Add(403, []byte(`{"reason":`), int64(600))
	f.Add(401, []byte(``), int64(0))
	f.Add(403, []byte(`{"reason":"Forbidden"}`), int64(5))
	src, err := NewTokenSource(Config{KeyID: apitest.KeyID, TeamID: apitest.TeamID, PrivateKey: apitest.NewKey(f)})
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
