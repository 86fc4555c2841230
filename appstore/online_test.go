package appstore_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/ascjwt/ascjwt/appstore"
	"github.com/ascjwt/ascjwt/appstore/appstoretest"
)

// onlineCA returns a CA whose certificates name its OCSP server.
func onlineCA(t *testing.T) *appstoretest.CA {
	ca := appstoretest.NewCA()
	t.Cleanup(ca.OCSPServer().Close)
	return ca
}

func TestOnlineChecksAskOCSPForLeafAndIntermediate(t *testing.T) {
	ca := onlineCA(t)
	v := newVerifier(t, ca, appstore.VerifierConfig{OnlineChecks: true})
	if _, err := v.VerifyNotification(ctx, signN(t, ca, didRenew())); err != nil {
		t.Fatal(err)
	}
	// The notification and the two payloads it carries share a chain:
	// one OCSP request for the leaf, one for the intermediate.
	if got := ca.OCSPRequests(); got != 2 {
		t.Errorf("%d OCSP requests; want 2", got)
	}
}

func TestRevokedCertificateIsInvalidCertificate(t *testing.T) {
	for _, which := range []appstoretest.Cert{appstoretest.Leaf, appstoretest.Intermediate} {
		t.Run(which.String(), func(t *testing.T) {
			ca := onlineCA(t)
			signed := sign(t, ca, transaction())
			ca.Revoke(which)
			v := newVerifier(t, ca, appstore.VerifierConfig{OnlineChecks: true})
			_, err := v.VerifyTransaction(ctx, signed)
			wantRefusal(t, err, appstore.ErrInvalidCertificate)
			if !strings.Contains(err.Error(), which.String()+" certificate is revoked") {
				t.Errorf("error %q does not say the %s is revoked", err, which)
			}
			// Offline, nobody asks.
			offline := newVerifier(t, ca, appstore.VerifierConfig{})
			if _, err := offline.VerifyTransaction(ctx, signed); err != nil {
				t.Errorf("offline: %v", err)
			}
		})
	}
}

func TestOCSPFailuresAreRetryable(t *testing.T) {
	ca := onlineCA(t)
	signed := sign(t, ca, transaction())
	for name, client := range map[string]*http.Client{
		"responder answers 503": {Transport: roundTrip(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 503, Status: "503 Service Unavailable", Body: http.NoBody, Header: http.Header{}}, nil
		})},
		"network error": {Transport: roundTrip(func(*http.Request) (*http.Response, error) {
			return nil, errors.New("connection refused")
		})},
		"responder says tryLater": {Transport: roundTrip(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: body([]byte{0x30, 0x03, 0x0A, 0x01, 0x03}), Header: http.Header{}}, nil
		})},
	} {
		t.Run(name, func(t *testing.T) {
			v := newVerifier(t, ca, appstore.VerifierConfig{OnlineChecks: true, HTTPClient: client})
			_, err := v.VerifyTransaction(ctx, signed)
			wantRefusal(t, err, appstore.ErrRetryable)
		})
	}
	t.Run("responder gone", func(t *testing.T) {
		gone := appstoretest.NewCA()
		srv := gone.OCSPServer()
		signed := sign(t, gone, transaction())
		srv.Close()
		v := newVerifier(t, gone, appstore.VerifierConfig{OnlineChecks: true})
		_, err := v.VerifyTransaction(ctx, signed)
		wantRefusal(t, err, appstore.ErrRetryable)
	})
	t.Run("context deadline", func(t *testing.T) {
		release := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer slow.Close()
		defer close(release)
		v := newVerifier(t, ca, appstore.VerifierConfig{OnlineChecks: true, HTTPClient: &http.Client{Transport: redirectTo(slow.URL)}})
		c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := v.VerifyTransaction(c, signed)
		wantRefusal(t, err, appstore.ErrRetryable)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %q does not wrap context.DeadlineExceeded", err)
		}
	})
}

func TestBadOCSPResponseIsVerificationFailure(t *testing.T) {
	ca, other := onlineCA(t), onlineCA(t)
	signed := sign(t, ca, transaction())
	wrongKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for name, rt := range map[string]http.RoundTripper{
		"not OCSP": roundTrip(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: body([]byte("hello")), Header: http.Header{}}, nil
		}),
		// Another CA's responder does not know ca's certificates.
		"unauthorized": redirectTo(other.OCSPServer().URL),
		// A good status for the right serial number, signed by a key that
		// is not the issuer's.
		"signed by another key": roundTrip(func(r *http.Request) (*http.Response, error) {
			der, _ := io.ReadAll(r.Body)
			req, err := ocsp.ParseRequest(der)
			if err != nil {
				return nil, err
			}
			chain := ca.Chain()
			issuer := chain[1]
			if req.SerialNumber.Cmp(chain[1].SerialNumber) == 0 {
				issuer = chain[2]
			}
			resp, err := ocsp.CreateResponse(issuer, issuer, ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: time.Now().Add(-time.Minute), IssuerHash: req.HashAlgorithm}, wrongKey)
			if err != nil {
				return nil, err
			}
			return &http.Response{StatusCode: 200, Body: body(resp), Header: http.Header{}}, nil
		}),
	} {
		t.Run(name, func(t *testing.T) {
			v := newVerifier(t, ca, appstore.VerifierConfig{OnlineChecks: true, HTTPClient: &http.Client{Transport: rt}})
			_, err := v.VerifyTransaction(ctx, signed)
			wantRefusal(t, err, appstore.ErrVerification)
		})
	}
}

func TestCertificatesWithoutResponderFailOnline(t *testing.T) {
	ca := appstoretest.NewCA() // no OCSP server: its certificates name none
	v := newVerifier(t, ca, appstore.VerifierConfig{OnlineChecks: true})
	_, err := v.VerifyTransaction(ctx, sign(t, ca, transaction()))
	wantRefusal(t, err, appstore.ErrInvalidCertificate)
}

func TestOnlineChecksUseNowNotTheSigningDate(t *testing.T) {
	ca := onlineCA(t)
	tx := transaction()
	tx.SignedDate = time.Date(2000, 6, 1, 0, 0, 0, 0, time.UTC)
	signed := sign(t, ca.ExpiredLeaf(), tx)
	v := newVerifier(t, ca, appstore.VerifierConfig{OnlineChecks: true})
	_, err := v.VerifyTransaction(ctx, signed)
	wantRefusal(t, err, appstore.ErrInvalidCertificate)
	if ca.OCSPRequests() != 0 {
		t.Errorf("%d OCSP requests for an expired chain; want none", ca.OCSPRequests())
	}
}

func TestBurstOfNotificationsCostsOneOCSPRoundTrip(t *testing.T) {
	ca := onlineCA(t)
	v := newVerifier(t, ca, appstore.VerifierConfig{OnlineChecks: true})
	signed := signN(t, ca, didRenew())
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := v.VerifyNotification(ctx, signed)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := ca.OCSPRequests(); got != 2 {
		t.Errorf("%d OCSP requests for 20 notifications with one chain; want 2", got)
	}
}

func TestVerifiedChainsAreKeptFifteenMinutes(t *testing.T) {
	ca := onlineCA(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	v := newVerifier(t, ca, appstore.VerifierConfig{OnlineChecks: true, Now: clock})
	signed := sign(t, ca, transaction())
	verify := func(want int) {
		t.Helper()
		if _, err := v.VerifyTransaction(ctx, signed); err != nil {
			t.Fatal(err)
		}
		if got := ca.OCSPRequests(); got != want {
			t.Fatalf("%d OCSP requests; want %d", got, want)
		}
	}
	verify(2)
	advance(14*time.Minute + 59*time.Second)
	verify(2)
	advance(time.Second) // 15 minutes after the check
	verify(4)
	// Another chain is checked on its own.
	if _, err := v.VerifyTransaction(ctx, sign(t, ca.LeafValidBetween(now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0)), transaction())); err != nil {
		t.Fatal(err)
	}
	if got := ca.OCSPRequests(); got != 6 {
		t.Errorf("%d OCSP requests after a second chain; want 6", got)
	}
	// A revocation shows once the cached check has expired.
	ca.Revoke(appstoretest.Leaf)
	verify(6)
	advance(15 * time.Minute)
	_, err := v.VerifyTransaction(ctx, signed)
	wantRefusal(t, err, appstore.ErrInvalidCertificate)
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func body(b []byte) *readCloser { return &readCloser{strings.NewReader(string(b))} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// redirectTo sends every request to base instead.
func redirectTo(base string) http.RoundTripper {
	return roundTrip(func(r *http.Request) (*http.Response, error) {
		r2 := r.Clone(r.Context())
		u, _ := r2.URL.Parse(base + r.URL.Path)
		r2.URL, r2.Host = u, u.Host
		return http.DefaultTransport.RoundTrip(r2)
	})
}

func TestHandlerAnswers500WhenOCSPIsDownAnd200Later(t *testing.T) {
	ca := appstoretest.NewCA()
	ocspSrv := ca.OCSPServer()
	defer ocspSrv.Close()
	var down atomic.Bool
	down.Store(true)
	client := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		if down.Load() {
			return nil, errors.New("no route to host")
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	v := newVerifier(t, ca, appstore.VerifierConfig{OnlineChecks: true, HTTPClient: client})
	srv := httptest.NewServer(notificationHandler(v, func(*appstore.Notification) error { return nil }))
	defer srv.Close()
	signed := signN(t, ca, didRenew())
	resp, err := appstoretest.Post(ctx, srv.Client(), srv.URL, signed)
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("OCSP down: %v, %v; want 500 so that the App Store sends it again", resp.StatusCode, err)
	}
	down.Store(false)
	resp, err = appstoretest.Post(ctx, srv.Client(), srv.URL, signed)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("OCSP back: %v, %v; want 200", resp.StatusCode, err)
	}
}
