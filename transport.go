package ascjwt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Transport is an [http.RoundTripper] that adds "Authorization: Bearer <token>"
// to every request, with tokens from Source. Use it to build your own
// [http.Client], or use [NewClient] to wrap an existing one.
//
// It follows the RoundTripper contract: it sends a copy of the request with
// its own header map and never modifies the caller's request, and it closes
// the request body on every path that does not pass it on. The token
// replaces the Authorization header the caller set under the canonical key,
// where http.Header's methods put it; a key spelt otherwise, such as a map
// literal's "authorization", is the caller's and goes out beside the token.
// Like the copy's URL, the copy's header values are the caller's slices:
// Base must only read them, as the contract asks of every RoundTripper (a
// Base that appends to one may write into the caller's spare room).
//
// What sets it apart from a plain header-adding transport:
//   - the token goes only to the hosts it is for ([Transport].Hosts), and a
//     redirect that leaves the origin (scheme, host and port) of the request
//     that began the chain goes out without it, which Go's [http.Client]
//     would not strip for a header a RoundTripper adds;
//   - an answer that refuses the token (a 401, or what a [RefusalJudge]
//     says) to a request that can be sent again is retried once with a new
//     token, for a token the server stopped accepting before its time (a
//     clock that disagrees, a revocation);
//   - it reads Apple's hourly budget from every answer ([Transport.RateLimit]),
//     spaces requests when it runs low, and waits out a 429 within
//     MaxRetryWait.
//
// Pacing: while the last answer says the key's hourly budget is low (at
// most max(10, Limit/100) requests left), requests are sent one per
// hour/Limit, each in the next free slot, in the order they ask. A request
// waits for its slot only as long as MaxRetryWait (all its waits together,
// pacing's and 429s') and its context's deadline allow; one that would
// wait longer is sent at once and takes no slot, so that the requests
// behind it do not wait for its turn. A request whose context ends while it
// waits gives its slot back and returns the context's error. When an answer
// reports room in the budget again (a new hour, a raised limit), pacing
// ends at once: requests waiting for a slot are sent, and the next low
// budget starts with a free slot. A new limit that is still low spaces the
// requests that take a slot from then on at its own rate.
type Transport struct {
	// Source supplies the tokens. Required.
	Source TokenSource
	// Base sends the requests. Nil means a connection pool of this
	// Transport's own, set up as [http.DefaultTransport] is: APNs binds a
	// token to the connection that first carried it, so sources of two keys
	// must not share connections, and a Transport shares its connections
	// with another only when both are given one Base on purpose. Make one
	// Transport per source and keep it, as you would an [http.Client].
	Base http.RoundTripper

	// Hosts are the hosts that get the token, each "host" (any port),
	// "host:port" (that port; a URL without one is on its scheme's
	// default), "[::1]:8443", or an origin, "https://host:port", in any
	// case. A request to another host goes out as the caller made it,
	// without the token: an asset upload URL, say, which Apple refuses with
	// a token. Nil means the source's hosts (see [HostScoped]: the source
	// from [NewTokenSource] names the App Store Connect API's and the App
	// Store Server API's, or, with [AudienceEnterprise], [EnterpriseURL]'s;
	// for a source that does not say, all of those) and loopback
	// (localhost, 127.0.0.0/8, ::1), where test servers listen; a non-nil
	// Hosts means exactly those. To add hosts to the defaults, use
	// ExtraHosts.
	//
	// The token goes over https only, since anyone on the path could read
	// it over plain http, except to loopback, where plain http never leaves
	// the machine. An entry opts a host in to plain http only by saying so:
	// "http://host:port" (for a proxy you trust on that path, say).
	//
	// Hosts and ExtraHosts are read at the first request; set them before
	// it. An entry that is not a host (a URL with a path, a wildcard, an
	// empty string) makes every request fail with an error that says what
	// to write instead, rather than match nothing.
	Hosts []string

	// ExtraHosts are hosts that get the token besides those of Hosts (or of
	// the defaults, when Hosts is nil), in the same forms: the Enterprise
	// Program API's host for your own source, a proxy in front of Apple.
	ExtraHosts []string

	// DisablePacing turns off pacing: by default, when an answer says the
	// key's hourly budget is low, requests are spaced at its steady rate
	// (see Pacing above).
	DisablePacing bool

	// MaxRetryWait bounds the total time one request waits: for its pacing
	// slot and on 429 answers before it is sent again. Zero means one
	// minute; negative means no wait at all: a request is not paced and a
	// 429 goes back to the caller at once.
	MaxRetryWait time.Duration

	// Hooks, when set, is told of 401 retries, waits and new rate limits.
	Hooks *Hooks

	// bearer caches "Bearer " + the last token's value, so that the header
	// value is built once per token rather than once per request.
	bearer atomic.Pointer[bearerValue]

	rate     atomic.Uint64           // the last RateLimit seen, packed; 0 for none
	pacer    pacer                   // pacing's slots, used while the budget is low
	lastHost atomic.Pointer[hostKey] // the last host allowed the token
	ruleOnce sync.Once
	hosts    *hostRule // Hosts, ExtraHosts and the source's hosts, read at the first request

	poolOnce sync.Once
	pool     http.RoundTripper // the connections of a Transport whose Base is nil

	// Tests set these: the clock, waiting, and the jitter's draw.
	now   func() time.Time
	wait  func(context.Context, time.Duration) error
	randN func(time.Duration) time.Duration
}

type bearerValue struct {
	token  string
	header string
}

var (
	errNilSource = errors.New("ascjwt: Transport.Source is nil; set it to a TokenSource from NewTokenSource")
	errNilURL    = errors.New("ascjwt: the request has no URL; make requests with http.NewRequest")
	errNilToken  = errors.New("ascjwt: Transport.Source returned neither a token nor an error; a TokenSource must return one of them")
	errNoAnswer  = errors.New("ascjwt: Transport.Base returned neither a response nor an error; an http.RoundTripper must return one of them")
)

// RoundTrip implements [http.RoundTripper].
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch {
	case t.Source == nil:
		closeBody(req)
		return nil, errNilSource
	case req.URL == nil:
		closeBody(req)
		return nil, errNilURL
	case t.rule().err != nil:
		closeBody(req)
		return nil, t.rule().err
	}
	if !t.getsToken(req.URL) || leavesOrigin(req) {
		// A request to another host, such as an upload URL, or a redirect
		// to another origin, such as the storage a download is sent to,
		// goes out as the client made it: without our token.
		return t.sendWithheld(req)
	}
	tok, err := t.Source.Token(req.Context())
	if err != nil {
		closeBody(req)
		return nil, fmt.Errorf("ascjwt: no token for the request: %w", err)
	}
	if tok == nil {
		closeBody(req)
		return nil, errNilToken
	}
	resp, err := t.sendPaced(req, tok, req.Body)
	switch {
	case err != nil:
		return nil, err
	case !succeeded(resp) && t.refusesToken(resp):
		return t.retry(req, tok, resp)
	}
	return resp, nil
}

// send sends a copy of req with tok and body: a new header map, the caller's
// own left as it was. A Base that breaks the RoundTripper contract by
// answering nothing gets an error, not a nil response to dereference.
func (t *Transport) send(req *http.Request, tok *Token, body io.ReadCloser) (*http.Response, error) {
	c := new(requestCopy)
	c.req = *req
	c.req.Body = body
	c.authorization[0] = t.headerFor(tok)
	c.req.Header = withAuthorization(req.Header, c.authorization[:])
	resp, err := t.base().RoundTrip(&c.req)
	if resp == nil && err == nil {
		if body != nil {
			body.Close()
		}
		return nil, errNoAnswer
	}
	return resp, err
}

// requestCopy is the copy of a request that RoundTrip sends, and the value
// of its Authorization header: one allocation for what would otherwise be
// two. The value is the copy's own, so that a Base that rewrites it in place
// (to redact it in a log, say) touches no other request.
type requestCopy struct {
	req           http.Request
	authorization [1]string
}

// base is Base, or the Transport's own connection pool when Base is nil.
func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	t.poolOnce.Do(func() {
		t.pool = http.DefaultTransport
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			t.pool = dt.Clone() // the same settings, none of its connections
		}
	})
	return t.pool
}

// CloseIdleConnections closes the idle connections of Base (or of the
// Transport's own pool), as [http.Client.CloseIdleConnections] expects of
// its Transport; it does nothing for a Base without such a method.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base().(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// headerFor returns "Bearer " + tok.Value, built once per token. Comparing
// values rather than pointers also serves sources that return a new *[Token]
// for the same value; for the same string, the comparison stops at the
// pointer.
func (t *Transport) headerFor(tok *Token) string {
	if b := t.bearer.Load(); b != nil && b.token == tok.Value {
		return b.header
	}
	b := &bearerValue{token: tok.Value, header: "Bearer " + tok.Value}
	t.bearer.Store(b)
	return b.header
}

// withAuthorization returns a copy of h with its Authorization header set
// to authorization alone.
//
// The copy is a map of its own, so that setting the header leaves the
// caller's map as it was; maps.Clone copies a small map's one group as it
// is, where building a new map would hash every key again. The values are
// the caller's slices, as the request copy's URL is the caller's: the
// RoundTripper contract lets neither the caller nor Base change them while
// the request is in flight. The header goes under its canonical key, where
// http.Header's methods keep it, replacing the caller's own. Walking the
// caller's map, to drop other spellings of the key or to clip each value's
// capacity against a Base that appends, cost a fifth of the per-request
// time (88 ns of 402, bench/header-walk-ab.txt) for cases the contract and
// http.Header's rules already exclude.
func withAuthorization(h http.Header, authorization []string) http.Header {
	out := maps.Clone(h)
	if out == nil {
		out = make(http.Header, 1)
	}
	out["Authorization"] = authorization
	return out
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// NewClient returns a copy of base whose [Transport] adds tokens from src,
// wrapping base's own Transport. base is not modified, and the copy keeps its
// Timeout, Jar and CheckRedirect. A nil base means [http.DefaultClient], so
//
//	client := ascjwt.NewClient(nil, src)
//
// is [http.DefaultClient] with tokens, over a connection pool of its own
// (see [Transport].Base). Clients made from one base share its Transport's
// connections, which is what you want for one key and not for two APNs
// keys (APNs binds a token to its connection): give each such client a
// base of its own, or a nil one.
func NewClient(base *http.Client, src TokenSource) *http.Client {
	if base == nil {
		base = http.DefaultClient
	}
	c := *base
	c.Transport = &Transport{Source: src, Base: base.Transport}
	return &c
}
