//lint:file-ignore SA1019 apns2 builds an x/net/http2 Transport, which x/net now deprecates for net/http's; that transport is what these tests drive

package conformance

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/token"
	"golang.org/x/net/http2"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/apns"
	"github.com/ascjwt/ascjwt/apns/apnstest"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// github.com/sideshow/apns2, the Go APNs client most servers use, against
// package apns and apnstest: its pushes through our client, its own HTTP/2
// transport carrying our token, its own token.Token, its
// CloseIdleConnections on our client, two keys, and APNs' 429s.

const apnsDevice = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"

// apns2Notification is a push as apns2's README sends one.
func apns2Notification(device string) *apns2.Notification {
	return &apns2.Notification{DeviceToken: device, Topic: "com.example.app", Payload: []byte(`{"aps":{"alert":"Hello!"}}`)}
}

// newAPNsSource returns package apns's source for the fake's key k.
func newAPNsSource(t *testing.T, srv *apnstest.Server, k apnstest.Key) ascjwt.TokenSource {
	t.Helper()
	return apitest.Must(t, apns.NewTokenSource, srv.ConfigFor(k))
}

// ourApns2Client is an apns2.Client whose HTTP client is ours: apns2 signs
// nothing (no Token), the ascjwt Transport adds the token.
func ourApns2Client(srv *apnstest.Server, base *http.Client, src ascjwt.TokenSource) *apns2.Client {
	return &apns2.Client{Host: srv.URL, HTTPClient: ascjwt.NewClient(base, src)}
}

// apns2Transport is apns2's own HTTP/2 transport (x/net/http2, as
// NewTokenClient builds it), trusting the fake's certificate.
func apns2Transport(t *testing.T, srv *apnstest.Server, c *apns2.Client) *http2.Transport {
	t.Helper()
	h2, ok := c.HTTPClient.Transport.(*http2.Transport)
	if !ok {
		t.Fatalf("apns2's client transport is %T, want *http2.Transport", c.HTTPClient.Transport)
	}
	h2.TLSClientConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	t.Cleanup(h2.CloseIdleConnections)
	return h2
}

// pushAll sends n pushes with c and fails the test unless APNs took each.
func pushAll(t *testing.T, c *apns2.Client, n int) {
	t.Helper()
	for i := range n {
		res, err := c.Push(apns2Notification(apnsDevice))
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		if !res.Sent() || res.ApnsID == "" {
			t.Fatalf("push %d: %d %s (apns-id %q), want 200 with an apns-id", i, res.StatusCode, res.Reason, res.ApnsID)
		}
	}
}

// TestApns2PushesThroughOurClient: apns2's Client with ascjwt.NewClient as
// its HTTPClient pushes over HTTP/2 (apnstest answers 505 to anything else)
// and every push is taken, all with one token, ours.
func TestApns2PushesThroughOurClient(t *testing.T) {
	srv := closeAtEnd(t, apnstest.NewServer())
	c := ourApns2Client(srv, srv.Client(), newAPNsSource(t, srv, srv.Key()))
	defer c.HTTPClient.CloseIdleConnections()
	pushAll(t, c, 20)
	if st := srv.Stats(); st.Accepted != 20 || st.Tokens != 1 {
		t.Errorf("stats %+v; want 20 pushes taken with 1 token", st)
	}
}

// TestApns2OwnHTTP2TransportCarriesOurToken: apns2's own x/net/http2
// transport as the Transport's Base carries our token to the fake.
func TestApns2OwnHTTP2TransportCarriesOurToken(t *testing.T) {
	srv := closeAtEnd(t, apnstest.NewServer())
	c := apns2.NewTokenClient(nil) // no token of its own: ours is added below it
	c.Host = srv.URL
	h2 := apns2Transport(t, srv, c)
	c.HTTPClient.Transport = &ascjwt.Transport{Source: newAPNsSource(t, srv, srv.Key()), Base: h2}
	pushAll(t, c, 5)
	if st := srv.Stats(); st.Accepted != 5 || st.Tokens != 1 {
		t.Errorf("stats %+v; want 5 pushes taken with 1 token", st)
	}
}

// TestApns2TokenAcceptedByFake: apns2's own token.Token (golang-jwt, iat
// and iss, kid in the header) on its own transport is taken by apnstest,
// as APNs takes it, and reused.
func TestApns2TokenAcceptedByFake(t *testing.T) {
	srv := closeAtEnd(t, apnstest.NewServer())
	k := srv.Key()
	c := apns2.NewTokenClient(&token.Token{AuthKey: k.PrivateKey, KeyID: k.ID, TeamID: k.TeamID})
	c.Host = srv.URL
	apns2Transport(t, srv, c)
	pushAll(t, c, 5)
	if st := srv.Stats(); st.Accepted != 5 || st.Tokens != 1 {
		t.Errorf("stats %+v (%s); want apns2's token taken 5 times", st, st.LastDetail)
	}
}

// TestApns2CloseIdleConnectionsOnOurClient: apns2's CloseIdleConnections
// asks the client's Transport for CloseIdleConnections; on ours it works (it
// panicked before: *ascjwt.Transport had none) and reaches the Base below it,
// once a call, and pushes go on after it. (Whether an HTTP/2 connection is
// idle at that moment depends on when net/http finishes with its last
// stream, so the test counts the calls that reach the Base rather than
// watching the connection.)
func TestApns2CloseIdleConnectionsOnOurClient(t *testing.T) {
	srv := closeAtEnd(t, apnstest.NewServer())
	base := &checkingTransport{base: srv.Client().Transport}
	c := ourApns2Client(srv, &http.Client{Transport: base}, newAPNsSource(t, srv, srv.Key()))
	pushAll(t, c, 2)
	c.CloseIdleConnections()
	if n := base.closes.Load(); n != 1 {
		t.Errorf("CloseIdleConnections reached the Base %d times, want once", n)
	}
	pushAll(t, c, 2)
	c.CloseIdleConnections()
	if n := base.closes.Load(); n != 2 {
		t.Errorf("CloseIdleConnections reached the Base %d times, want twice", n)
	}
	if st := srv.Stats(); st.Accepted != 4 {
		t.Errorf("stats %+v; want 4 pushes taken", st)
	}
}

// TestApns2TwoKeysNeverShareAConnection: two apns2 clients for two keys,
// each on ascjwt.NewClient(nil, src) as the README builds one, push in turn
// from several goroutines. APNs binds a token to a connection, so sharing
// one would get the second key 429 TooManyProviderTokenUpdates; each
// Transport has a pool of its own, and every push is taken. Given one Base on
// purpose, the two do share a connection, and the fake refuses the second
// key as APNs does.
func TestApns2TwoKeysNeverShareAConnection(t *testing.T) {
	srv := closeAtEnd(t, apnstest.NewServer())
	// NewClient(nil, src) builds on http.DefaultTransport's settings; here
	// they trust the fake's certificate.
	saved := http.DefaultTransport
	http.DefaultTransport = srv.Client().Transport
	t.Cleanup(func() { http.DefaultTransport = saved })
	keyA, keyB := srv.Key(), srv.AddKey()
	pushInTurn := func(a, b *apns2.Client) (taken, refused int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, c := range []*apns2.Client{a, b, a, b} {
			wg.Go(func() {
				for range 5 {
					res, err := c.Push(apns2Notification(apnsDevice))
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if res.Sent() {
						taken++
					} else if res.StatusCode == 429 && res.Reason == apns2.ReasonTooManyProviderTokenUpdates {
						refused++
					} else {
						t.Errorf("push: %d %s", res.StatusCode, res.Reason)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return taken, refused
	}

	a := &apns2.Client{Host: srv.URL, HTTPClient: ascjwt.NewClient(nil, newAPNsSource(t, srv, keyA))}
	b := &apns2.Client{Host: srv.URL, HTTPClient: ascjwt.NewClient(nil, newAPNsSource(t, srv, keyB))}
	defer a.CloseIdleConnections()
	defer b.CloseIdleConnections()
	if taken, refused := pushInTurn(a, b); taken != 20 || refused != 0 {
		t.Errorf("NewClient(nil, src) for each key: %d pushes taken, %d refused for token updates; want 20 and 0 (%s)", taken, refused, srv.Stats().LastDetail)
	}

	shared := srv.Client() // one base for both, on purpose
	c := ourApns2Client(srv, shared, newAPNsSource(t, srv, keyA))
	d := ourApns2Client(srv, shared, newAPNsSource(t, srv, keyB))
	defer shared.CloseIdleConnections()
	if _, refused := pushInTurn(c, d); refused == 0 {
		t.Error("two keys on one shared connection: the fake refused nothing, APNs answers 429 TooManyProviderTokenUpdates")
	}
}

// TestApns2Gets429AtOnce: an APNs 429 (TooManyRequests,
// TooManyProviderTokenUpdates) reaches apns2 after one send: our Transport
// does not wait it out and send the push again, which would show the user a
// notification more than once. apns2 and apns.CheckResponse read the same
// reason from the same response.
func TestApns2Gets429AtOnce(t *testing.T) {
	for _, reason := range []string{apns.ReasonTooManyRequests, apns.ReasonTooManyProviderTokenUpdates} {
		t.Run(reason, func(t *testing.T) {
			srv := closeAtEnd(t, apnstest.NewServer())
			checked := &checkingTransport{base: srv.Client().Transport}
			c := ourApns2Client(srv, &http.Client{Transport: checked}, newAPNsSource(t, srv, srv.Key()))
			defer c.HTTPClient.CloseIdleConnections()
			srv.Fail(http.StatusTooManyRequests, reason)
			// A failure guard, not synchronization: a Transport that waits
			// out 429s sends the push again within it.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := c.PushWithContext(ctx, apns2Notification(apnsDevice))
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 429 || res.Reason != reason {
				t.Errorf("apns2 got %d %q, want 429 %s", res.StatusCode, res.Reason, reason)
			}
			if n := srv.Stats().Refused[reason]; n != 1 {
				t.Errorf("the push was sent %d times, want once", n)
			}
			var e *apns.Error
			if !errors.As(checked.last(), &e) || e.Reason != res.Reason || e.ID != res.ApnsID {
				t.Errorf("apns.CheckResponse = %v, want the reason and apns-id apns2 read (%s, %s)", checked.last(), res.Reason, res.ApnsID)
			}
		})
	}
}

// TestApns2AndCheckResponseReadUnregistered: for a 410, apns2's Response and
// apns.CheckResponse read the same response alike: reason, apns-id, and
// the time the device token went (apns2 keeps whole seconds of it).
func TestApns2AndCheckResponseReadUnregistered(t *testing.T) {
	srv := closeAtEnd(t, apnstest.NewServer())
	gone := time.Date(2026, 4, 1, 9, 15, 30, 125e6, time.UTC)
	srv.Unregister(apnsDevice, gone)
	checked := &checkingTransport{base: srv.Client().Transport}
	c := ourApns2Client(srv, &http.Client{Transport: checked}, newAPNsSource(t, srv, srv.Key()))
	defer c.HTTPClient.CloseIdleConnections()
	res, err := c.Push(apns2Notification(apnsDevice))
	if err != nil {
		t.Fatal(err)
	}
	var e *apns.Error
	if !errors.As(checked.last(), &e) {
		t.Fatalf("CheckResponse = %v, want an *apns.Error", checked.last())
	}
	if res.StatusCode != 410 || res.Reason != apns2.ReasonUnregistered || e.Reason != res.Reason || e.StatusCode != 410 || e.ID != res.ApnsID {
		t.Errorf("apns2 read %d %s %s; CheckResponse %+v", res.StatusCode, res.Reason, res.ApnsID, *e)
	}
	if !e.Timestamp.Equal(gone) || e.Timestamp.Unix() != res.Timestamp.Unix() {
		t.Errorf("timestamps: CheckResponse %v, apns2 %v; want %v", e.Timestamp, res.Timestamp.Time, gone)
	}
}

// TestReasonConstantsAreApns2s: every reason apns2 names is ours too, with
// the same spelling.
func TestReasonConstantsAreApns2s(t *testing.T) {
	for ours, theirs := range map[string]string{
		apns.ReasonBadCollapseID: apns2.ReasonBadCollapseID, apns.ReasonBadDeviceToken: apns2.ReasonBadDeviceToken,
		apns.ReasonBadExpirationDate: apns2.ReasonBadExpirationDate, apns.ReasonBadMessageID: apns2.ReasonBadMessageID,
		apns.ReasonBadPriority: apns2.ReasonBadPriority, apns.ReasonBadTopic: apns2.ReasonBadTopic,
		apns.ReasonDeviceTokenNotForTopic: apns2.ReasonDeviceTokenNotForTopic, apns.ReasonDuplicateHeaders: apns2.ReasonDuplicateHeaders,
		apns.ReasonIdleTimeout: apns2.ReasonIdleTimeout, apns.ReasonInvalidPushType: apns2.ReasonInvalidPushType,
		apns.ReasonMissingDeviceToken: apns2.ReasonMissingDeviceToken, apns.ReasonMissingTopic: apns2.ReasonMissingTopic,
		apns.ReasonPayloadEmpty: apns2.ReasonPayloadEmpty, apns.ReasonTopicDisallowed: apns2.ReasonTopicDisallowed,
		apns.ReasonBadCertificate: apns2.ReasonBadCertificate, apns.ReasonBadCertificateEnvironment: apns2.ReasonBadCertificateEnvironment,
		apns.ReasonExpiredProviderToken: apns2.ReasonExpiredProviderToken, apns.ReasonForbidden: apns2.ReasonForbidden,
		apns.ReasonInvalidProviderToken: apns2.ReasonInvalidProviderToken, apns.ReasonMissingProviderToken: apns2.ReasonMissingProviderToken,
		apns.ReasonBadPath: apns2.ReasonBadPath, apns.ReasonMethodNotAllowed: apns2.ReasonMethodNotAllowed,
		apns.ReasonExpiredToken: apns2.ReasonExpiredToken, apns.ReasonUnregistered: apns2.ReasonUnregistered,
		apns.ReasonPayloadTooLarge: apns2.ReasonPayloadTooLarge, apns.ReasonTooManyProviderTokenUpdates: apns2.ReasonTooManyProviderTokenUpdates,
		apns.ReasonTooManyRequests: apns2.ReasonTooManyRequests, apns.ReasonInternalServerError: apns2.ReasonInternalServerError,
		apns.ReasonServiceUnavailable: apns2.ReasonServiceUnavailable, apns.ReasonShutdown: apns2.ReasonShutdown,
	} {
		if ours != theirs {
			t.Errorf("ours %q, apns2's %q", ours, theirs)
		}
	}
}

// checkingTransport runs apns.CheckResponse on every response before the
// client reads it, which it can since CheckResponse leaves the body whole.
type checkingTransport struct {
	base   http.RoundTripper
	closes atomic.Int32 // calls of CloseIdleConnections
	mu     sync.Mutex
	err    error
}

func (c *checkingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.err = apns.CheckResponse(resp)
	c.mu.Unlock()
	return resp, nil
}

func (c *checkingTransport) last() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *checkingTransport) CloseIdleConnections() {
	c.closes.Add(1)
	c.base.(interface{ CloseIdleConnections() }).CloseIdleConnections()
}
