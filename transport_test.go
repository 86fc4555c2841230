package ascjwt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// closeCounter is a request body that counts Close calls.
type closeCounter struct {
	io.Reader
	closed atomic.Int32
}

func (c *closeCounter) Close() error { c.closed.Add(1); return nil }

// baseFunc is a RoundTripper made of a function.
type baseFunc func(*http.Request) (*http.Response, error)

func (f baseFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransportErrorPathsCloseBodyOnce(t *testing.T) {
	sourceErr := errors.New("kms down")
	for _, tc := range []struct {
		name    string
		source  TokenSource
		wantErr string
	}{
		{"nil source", nil, "Transport.Source is nil"},
		{"source error", sourceFunc(func(context.Context) (*Token, error) { return nil, sourceErr }), "kms down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sent atomic.Int32
			tr := &Transport{Source: tc.source, Base: baseFunc(func(*http.Request) (*http.Response, error) {
				sent.Add(1)
				return nil, errors.New("unreachable")
			})}
			body := &closeCounter{Reader: strings.NewReader("{}")}
			req, _ := http.NewRequest("POST", "https://api.appstoreconnect.apple.com/v1/apps", body)
			resp, err := tr.RoundTrip(req)
			if resp != nil || err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "ascjwt: ") {
				t.Fatalf("RoundTrip = %v, %v; want an ascjwt error saying %q", resp, err, tc.wantErr)
			}
			if tc.source != nil && !errors.Is(err, sourceErr) {
				t.Errorf("error %v does not wrap the source's", err)
			}
			if n := body.closed.Load(); n != 1 {
				t.Errorf("body closed %d times, want 1", n)
			}
			if n := sent.Load(); n != 0 {
				t.Errorf("request sent %d times without a token", n)
			}
		})
	}
}

type sourceFunc func(context.Context) (*Token, error)

func (f sourceFunc) Token(ctx context.Context) (*Token, error) { return f(ctx) }

func TestTransportLeavesCallerRequestAlone(t *testing.T) {
	f := newFixture(t)
	var seen *http.Request
	tr := &Transport{Source: f.src, Base: baseFunc(func(r *http.Request) (*http.Response, error) {
		seen = r
		r.Header.Set("X-Base-Was-Here", "1") // a base may write to the copy it was given
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})}
	req, _ := http.NewRequest("GET", "https://api.appstoreconnect.apple.com/v1/apps?limit=1", nil)
	req.Header.Set("Accept", "application/json")
	req.Header["User-Agent"] = nil // nil value: "send no default"
	header := req.Header
	before := req.Header.Clone()
	reqCopy := *req

	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if seen == req || reflect.ValueOf(seen.Header).Pointer() == reflect.ValueOf(header).Pointer() {
		t.Fatal("the base got the caller's request or header map, not copies")
	}
	if !maps.EqualFunc(req.Header, before, func(a, b []string) bool { return reflect.DeepEqual(a, b) }) {
		t.Errorf("caller's header changed: %v, was %v", req.Header, before)
	}
	if reflect.ValueOf(req.Header).Pointer() != reflect.ValueOf(header).Pointer() || req.URL != reqCopy.URL || req.Method != reqCopy.Method {
		t.Error("caller's request fields were reassigned")
	}
	if got := seen.Header.Get("Accept"); got != "application/json" {
		t.Errorf("copy lost the caller's Accept header: %q", got)
	}
	if v, ok := seen.Header["User-Agent"]; !ok || v != nil {
		t.Errorf("copy's User-Agent = %v (present %v), want the caller's nil value kept", v, ok)
	}
	if !strings.HasPrefix(seen.Header.Get("Authorization"), "Bearer ey") {
		t.Errorf("copy's Authorization = %q", seen.Header.Get("Authorization"))
	}
}

func TestTransportNilHeaderAndReplacedAuthorization(t *testing.T) {
	f := newFixture(t)
	var got []string
	tr := &Transport{Source: f.src, Base: baseFunc(func(r *http.Request) (*http.Response, error) {
		got = r.Header.Values("Authorization")
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})}
	req := &http.Request{Method: "GET", URL: mustURL(t, "https://api.appstoreconnect.apple.com/v1/apps")}
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatalf("nil Header map: %v", err)
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "Bearer ") || req.Header != nil {
		t.Errorf("nil Header map: sent %q, caller's header now %v", got, req.Header)
	}
	req.Header = http.Header{"Authorization": {"Bearer stale", "Basic x"}}
	var sent http.Header
	tr.Base = baseFunc(func(r *http.Request) (*http.Response, error) {
		sent = r.Header
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || len(sent["Authorization"]) != 1 || !strings.HasPrefix(sent["Authorization"][0], "Bearer ey") {
		t.Errorf("sent header %q, want only our Authorization", sent)
	}
	// A key spelt otherwise is the caller's, as the Transport's doc says:
	// http.Header's methods never make one, Go's client does not look for
	// one either, and staticcheck flags a literal that spells one (SA1008),
	// which is why this one is built.
	lower := strings.ToLower("Authorization")
	req.Header = http.Header{lower: {"Basic x"}}
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 2 || len(sent["Authorization"]) != 1 || len(sent[lower]) != 1 {
		t.Errorf("sent header %q, want ours and the caller's own key as it was", sent)
	}
}

// A Base that breaks the contract a little, as logging and signing
// transports written in a hurry do, by setting, adding and deleting headers
// of the request it was given, leaves the caller's header map and the
// values in it as they were, and the next request carries a token, not
// what the Base wrote. (The values are the caller's slices: a Base that
// appends to one whose slice has spare room writes past the caller's length
// into the caller's array, which the Transport's doc leaves to the
// contract.)
func TestBaseWritingHeadersLeavesTheCallersAlone(t *testing.T) {
	f := newFixture(t)
	var sent []http.Header
	tr := &Transport{Source: f.src, Base: baseFunc(func(r *http.Request) (*http.Response, error) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") {
			t.Errorf("sent Authorization %.12q..., want a bearer token", r.Header.Get("Authorization"))
		}
		r.Header.Add("Accept", "text/html")
		r.Header.Add("X-Trace", "b")
		r.Header["Authorization"][0] = "redacted" // our own value, rewritten in place
		r.Header.Del("User-Agent")
		r.Header.Set("X-New", "1")
		sent = append(sent, r.Header)
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})}
	req, _ := http.NewRequest("GET", "https://api.appstoreconnect.apple.com/v1/apps", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Trace", "a")
	req.Header.Set("User-Agent", "test")
	before := req.Header.Clone()

	for range 2 {
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	if !maps.EqualFunc(req.Header, before, func(a, b []string) bool { return reflect.DeepEqual(a, b) }) {
		t.Errorf("caller's header changed: %v, was %v", req.Header, before)
	}
	if len(sent) != 2 || reflect.ValueOf(sent[0]).Pointer() == reflect.ValueOf(sent[1]).Pointer() {
		t.Fatal("the two requests did not get header maps of their own")
	}
	if got := sent[0].Values("Accept"); len(got) != 2 || got[0] != "application/json" {
		t.Errorf("the Base's copy has Accept %q, want the caller's value and the Base's", got)
	}
}

func TestTransportPerRequestAllocations(t *testing.T) {
	f := newFixture(t)
	resp := &http.Response{StatusCode: 200, Body: http.NoBody}
	base := baseFunc(func(*http.Request) (*http.Response, error) { return resp, nil })
	tr := &Transport{Source: f.src, Base: base}
	req, _ := http.NewRequest("GET", "https://api.appstoreconnect.apple.com/v1/apps", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "test")
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	tok, _ := f.src.Token(context.Background())
	// The floor: what any RoundTripper that follows the contract must do.
	floor := func() {
		out := new(http.Request)
		*out = *req
		out.Header = req.Header.Clone()
		out.Header.Set("Authorization", "Bearer "+tok.Value)
		_, _ = base.RoundTrip(out)
	}
	ours := testing.AllocsPerRun(1000, func() { _, _ = tr.RoundTrip(req) })
	if want := testing.AllocsPerRun(1000, floor); ours > want {
		t.Errorf("RoundTrip makes %v allocations per request; the floor (copy request, clone header, set it) makes %v", ours, want)
	}
}

func TestNewClientCopiesBase(t *testing.T) {
	f := newFixture(t)
	jar, _ := cookiejar.New(nil)
	baseTransport := &http.Transport{}
	checkRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	base := &http.Client{Transport: baseTransport, Timeout: 7 * time.Second, Jar: jar, CheckRedirect: checkRedirect}
	before := *base

	c := NewClient(base, f.src)
	if c == base {
		t.Fatal("NewClient returned its base")
	}
	if base.Transport != before.Transport || base.Timeout != before.Timeout || base.Jar != before.Jar ||
		reflect.ValueOf(base.CheckRedirect).Pointer() != reflect.ValueOf(before.CheckRedirect).Pointer() {
		t.Fatal("NewClient modified its base")
	}
	tr, ok := c.Transport.(*Transport)
	if !ok || tr.Base != baseTransport || tr.Source != f.src {
		t.Fatalf("client Transport = %#v, want a Transport wrapping the base's", c.Transport)
	}
	if c.Timeout != 7*time.Second || c.Jar != jar || reflect.ValueOf(c.CheckRedirect).Pointer() != reflect.ValueOf(checkRedirect).Pointer() {
		t.Error("client lost the base's Timeout, Jar or CheckRedirect")
	}

	defaultBefore := *http.DefaultClient
	d := NewClient(nil, f.src)
	if d == http.DefaultClient || http.DefaultClient.Transport != defaultBefore.Transport {
		t.Fatal("NewClient(nil) returned or modified http.DefaultClient")
	}
	if tr := d.Transport.(*Transport); tr.Base != nil {
		t.Errorf("NewClient(nil) base transport = %v, want nil (http.DefaultTransport)", tr.Base)
	}
}

type ctxKey struct{}

func TestTransportPassesRequestContext(t *testing.T) {
	var got any
	tr := &Transport{
		Source: sourceFunc(func(ctx context.Context) (*Token, error) {
			got = ctx.Value(ctxKey{})
			return &Token{Value: "t"}, nil
		}),
		Base: baseFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
		}),
	}
	ctx := context.WithValue(context.Background(), ctxKey{}, "trace-7")
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://api.appstoreconnect.apple.com/v1/apps", nil)
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got != "trace-7" {
		t.Fatalf("the source saw context value %v, want the request's", got)
	}
}

func TestTransportBodyClosedOnceWhenBaseFails(t *testing.T) {
	f := newFixture(t)
	tr := &Transport{Source: f.src, Base: baseFunc(func(r *http.Request) (*http.Response, error) {
		r.Body.Close() // the contract: the base closes the body, errors included
		return nil, errors.New("connection refused")
	})}
	body := &closeCounter{Reader: strings.NewReader("{}")}
	req, _ := http.NewRequest("POST", "https://api.appstoreconnect.apple.com/v1/apps", body)
	if _, err := tr.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v, want the base's error", err)
	}
	if n := body.closed.Load(); n != 1 {
		t.Errorf("body closed %d times, want 1", n)
	}
}

func TestRetryClosesTheRefusedAnswer(t *testing.T) {
	f := newFixture(t)
	const answer = `{"errors":[{"status":"401"}]}`
	refused := &closeCounter{Reader: strings.NewReader(answer)}
	var sent []string
	tr := &Transport{Source: f.src, Base: baseFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r.Header.Get("Authorization"))
		if len(sent) == 1 {
			return &http.Response{StatusCode: 401, Body: refused, ContentLength: int64(len(answer)), Request: r}, nil
		}
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
	})}
	req, _ := http.NewRequest("GET", "https://api.appstoreconnect.apple.com/v1/apps", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("RoundTrip = %v, %v; want the retry's 200", resp, err)
	}
	if len(sent) != 2 || sent[0] == sent[1] {
		t.Fatalf("sent %d requests; want 2, the second with a new token", len(sent))
	}
	if n := refused.closed.Load(); n != 1 {
		t.Errorf("the refused answer's body was closed %d times, want 1", n)
	}
	if rest, _ := io.ReadAll(refused.Reader); len(rest) != 0 {
		t.Errorf("the refused answer was not drained (%d bytes left): its connection could not be reused", len(rest))
	}
}

// TestTransportSurvivesBrokenPeers: a Base, a TokenSource or a request that
// breaks its contract gets an error or its response back, never a panic,
// and the request body is closed exactly once.
func TestTransportSurvivesBrokenPeers(t *testing.T) {
	answer := func(code int, body io.ReadCloser) baseFunc {
		return func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: code, Body: body, Request: r}, nil
		}
	}
	for _, tc := range []struct {
		name     string
		source   func(f *fixture) TokenSource
		base     baseFunc
		mutate   func(*http.Request)
		wantErr  string // empty: a response is wanted
		wantCode int
	}{
		{name: "401 with a nil Body, retried", base: func() baseFunc {
			n := 0
			return func(r *http.Request) (*http.Response, error) {
				if n++; n == 1 {
					return &http.Response{StatusCode: 401, Request: r}, nil // golang/go#38095: net/http accepts this
				}
				r.Body.Close()
				return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
			}
		}(), wantCode: 200},
		{name: "401 with a nil Body, not replayable", base: answer(401, nil), mutate: func(r *http.Request) { r.GetBody = nil }, wantCode: 401},
		{name: "Base answers nothing", base: func(*http.Request) (*http.Response, error) { return nil, nil }, wantErr: "Transport.Base returned neither a response nor an error"},
		{name: "Source answers nothing", source: func(*fixture) TokenSource {
			return sourceFunc(func(context.Context) (*Token, error) { return nil, nil })
		}, base: answer(200, http.NoBody), wantErr: "Transport.Source returned neither a token nor an error"},
		{name: "redirect without a URL", base: answer(200, http.NoBody), mutate: func(r *http.Request) {
			r.Response = &http.Response{StatusCode: 302, Request: r.Clone(context.Background())}
			r.URL = nil
		}, wantErr: "the request has no URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			var src TokenSource = f.src
			if tc.source != nil {
				src = tc.source(f)
			}
			tr := &Transport{Source: src, Base: tc.base}
			body := &closeCounter{Reader: strings.NewReader("{}")}
			req, _ := http.NewRequest("POST", "https://api.appstoreconnect.apple.com/v1/apps", body)
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("{}")), nil }
			if tc.mutate != nil {
				tc.mutate(req)
			}
			resp, err := tr.RoundTrip(req)
			if tc.wantErr != "" {
				if resp != nil || err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "ascjwt: ") {
					t.Fatalf("RoundTrip = %v, %v; want an ascjwt error saying %q", resp, err, tc.wantErr)
				}
			} else if err != nil || resp == nil || resp.StatusCode != tc.wantCode {
				t.Fatalf("RoundTrip = %v, %v; want a %d", resp, err, tc.wantCode)
			}
			// Where the Transport errs, the body is its to close: once.
			if n := body.closed.Load(); tc.wantErr != "" && n != 1 {
				t.Errorf("body closed %d times, want 1", n)
			}
		})
	}
}

// idleCloser is a Base that counts calls of CloseIdleConnections.
type idleCloser struct {
	http.RoundTripper
	closed atomic.Int32
}

func (c *idleCloser) CloseIdleConnections() { c.closed.Add(1) }

// TestCloseIdleConnectionsReachesTheBase: http.Client.CloseIdleConnections
// (which sideshow/apns2 calls) reaches the Transport's Base, whether the
// client is built by hand or by NewClient.
func TestCloseIdleConnectionsReachesTheBase(t *testing.T) {
	f := newFixture(t)
	base := &idleCloser{}
	(&http.Client{Transport: &Transport{Source: f.src, Base: base}}).CloseIdleConnections()
	NewClient(&http.Client{Transport: base}, f.src).CloseIdleConnections()
	if n := base.closed.Load(); n != 2 {
		t.Errorf("Base.CloseIdleConnections called %d times, want 2", n)
	}
	(&Transport{Source: f.src, Base: baseFunc(nil)}).CloseIdleConnections() // a Base without the method: nothing to do
}

// TestTransportsOfTwoKeysShareNoConnection: two Transports with a nil Base
// (as NewClient(nil, src) makes) each have a connection pool of their own,
// so the second key's request does not go out on the first key's idle
// connection, as it would on http.DefaultTransport's; APNs binds a token to
// its connection and answers 429 TooManyProviderTokenUpdates to the next.
func TestTransportsOfTwoKeysShareNoConnection(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]string{} // remote address -> the kid of the token it carried
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kid := headerKeyID(t, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		mu.Lock()
		defer mu.Unlock()
		if prev, ok := conns[r.RemoteAddr]; ok && prev != kid {
			t.Errorf("connection %s carried the tokens of keys %s and %s", r.RemoteAddr, prev, kid)
		}
		conns[r.RemoteAddr] = kid
	}))
	defer srv.Close()
	defer http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	var clients []*http.Client
	for _, kid := range []string{"KEYONE1234", "KEYTWO1234"} {
		src := apitest.Must(t, NewTokenSource, Config{KeyID: kid, PrivateKey: apitest.NewKey(t)})
		c := NewClient(nil, src)
		defer c.CloseIdleConnections()
		clients = append(clients, c)
	}
	for range 2 {
		for _, c := range clients {
			resp, err := c.Get(srv.URL + "/3/device/0")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) != 2 {
		t.Errorf("%d connections for two keys, want 2: one each, reused", len(conns))
	}
}

// headerKeyID reads the kid of a JWS's header.
func headerKeyID(t *testing.T, value string) string {
	head, _, _ := strings.Cut(value, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	var h struct{ Kid string }
	if err != nil || json.Unmarshal(raw, &h) != nil {
		t.Errorf("the request carried no JWS")
	}
	return h.Kid
}

// TestRoundTripAllocatesOnlyTheRequestAndHeaderCopy: with a cached token, a
// request costs the allocations of its copy and of its header's copy, as a
// plain header-adding transport makes them, and nothing more, with or
// without a rate limit on the response.
func TestRoundTripAllocatesOnlyTheRequestAndHeaderCopy(t *testing.T) {
	src := apitest.Must(t, NewTokenSource, Config{KeyID: "ALLOC12345", PrivateKey: apitest.NewKey(t)})
	resp := &http.Response{StatusCode: 200, Header: http.Header{"X-Rate-Limit": {"user-hour-lim:3600;user-hour-rem:3412;"}}, Body: http.NoBody}
	tr := &Transport{Source: src, Base: baseFunc(func(*http.Request) (*http.Response, error) { return resp, nil })}
	req, _ := http.NewRequest("GET", AppStoreConnectURL+"/v1/apps", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "test/1.0")
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	var sink *http.Request
	plain := testing.AllocsPerRun(1000, func() {
		out := new(http.Request)
		*out = *req
		out.Header = req.Header.Clone()
		out.Header["Authorization"] = []string{"Bearer x"}
		sink = out
	})
	_ = sink
	if got := testing.AllocsPerRun(1000, func() { tr.RoundTrip(req) }); got > plain {
		t.Errorf("RoundTrip allocates %v times, want at most the %v of the request and header copy", got, plain)
	}
}
