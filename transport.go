package ascjwt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Transport is an [http.RoundTripper] that adds "Authorization: Bearer <token>"
// to every request, with tokens from Source. Use it to build your own
// [http.Client], or use [NewClient] to wrap an existing one.
//
// It follows the RoundTripper contract: it sends a copy of the request whose
// header is a copy of the caller's, values and all, as [http.Request.Clone]
// makes it, never modifies the caller's request, and closes the request
// body on every path that does not pass it on. The token replaces the
// Authorization header the caller set under the canonical key, where
// http.Header's methods put it; a key spelt otherwise, such as a map
// literal's "authorization", is the caller's and goes out beside the token.
//
// What sets it apart from a plain header-adding transport:
//   - the token goes only to the hosts it is for ([Transport].Hosts), and a
//     redirect that leaves the origin (scheme, host and port) of the request
//     that began the chain goes out without it, which Go's [http.Client]
//     would not strip for a header a RoundTripper adds;
//   - a response that refuses the token (a 401, or what a [RefusalJudge]
//     says) to a request that can be sent again is retried once with a new
//     token, for a token the server stopped accepting before its time (a
//     clock that disagrees, a revocation);
//   - it reads Apple's hourly budget from every response
//     ([Transport.RateLimit]), spaces requests when it runs low, and waits
//     out a 429 within MaxRetryWait, as the source's [RetryPolicy] allows.
//
// Pacing: while the last response says the key's hourly budget is low (at
// most max(10, Limit/100) requests left), requests are sent one per
// hour/Limit, each in the next free slot, in the order they ask. A request
// waits for its slot only as long as MaxRetryWait (all its waits together,
// pacing's and 429s') and its context's deadline allow; one that would
// wait longer is sent at once and takes no slot, so that the requests
// behind it do not wait for its turn. A request whose context ends while it
// waits gives its slot back and returns the context's error. When a response
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

	// DisablePacing turns off pacing: by default, when a response says the
	// key's hourly budget is low, requests are spaced at its steady rate
	// (see Pacing above).
	DisablePacing bool

	// MaxRetryWait bounds the total time one request waits: for its pacing
	// slot and on 429 responses before it is sent again. Zero means one
	// minute; negative means no wait at all: a request is not paced and a
	// 429 goes back to the caller at once.
	MaxRetryWait time.Duration

	// Hooks, when set, is told of 401 retries, waits and new rate limits.
	Hooks *Hooks

	rate     atomic.Pointer[RateLimit] // the last RateLimit a response reported; nil for none
	pacer    pacer                     // pacing's slots, used while the budget is low
	ruleOnce sync.Once
	hosts    *hostRule // Hosts, ExtraHosts and the source's hosts, read at the first request

	poolOnce sync.Once
	pool     http.RoundTripper // the connections of a Transport whose Base is nil

	// Tests set these: the clock, waiting, and the jitter's draw.
	now   func() time.Time
	wait  func(context.Context, time.Duration) error
	randN func(time.Duration) time.Duration
}

var (
	errNilSource = errors.New("ascjwt: Transport.Source is nil; set it to a TokenSource from NewTokenSource")
	errNilURL    = errors.New("ascjwt: the request has no URL; make requests with http.NewRequest")
	errNilToken  = errors.New("ascjwt: Transport.Source returned neither a token nor an error; a TokenSource must return one of them")
	errNoAnswer  = errors.New("ascjwt: Transport.Base returned neither a response nor an error; an http.RoundTripper must return one of them")
)

// RoundTrip implements [http.RoundTripper]. A request the token is for is
// paced, sent with the token, and judged by its response: a 2xx tells the
// source its token was accepted; a 429 is waited out and sent again while
// the source's [RetryPolicy], MaxRetryWait and the request's deadline
// allow; a refused token gets one retry with a fresh one. Every other
// response goes back to the caller as it came.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.check(req); err != nil {
		closeBody(req)
		return nil, err
	}
	if !t.rule().allows(req.URL) || leavesOrigin(req) {
		// A request to another host, such as an upload URL, or a redirect
		// to another origin, such as the storage a download is sent to,
		// goes out as the client made it: without our token.
		return t.sendWithheld(req)
	}
	tok, err := t.token(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	body := req.Body
	var waited time.Duration // pacing's and 429s' waits, all within MaxRetryWait
	n429, renewed := 0, false
	for {
		paced, err := t.pace(req, t.waitLeft(waited))
		if err != nil {
			closeReader(body)
			return nil, err
		}
		waited += paced
		resp, err := t.send(req, tok, body)
		if err != nil {
			return nil, err
		}
		t.observe(resp)
		if succeeded(resp) {
			t.accepted(tok)
			return resp, nil
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			n429++
			wait, next, err := t.await429(req, resp, n429, waited)
			if err != nil {
				return nil, err // resp was closed before the wait
			}
			if wait >= 0 {
				body, waited = next, waited+wait
				continue
			}
		}
		if !t.refusesToken(resp) {
			return resp, nil
		}
		if renewed {
			t.invalidate(tok) // refused too: the source learns a new token did not cure it
			return resp, nil
		}
		renewed = true
		fresh, next, ok := t.renew(req, tok, resp)
		if !ok {
			return resp, nil
		}
		tok, body = fresh, next
	}
}

// check refuses a request the Transport cannot send: no Source, no URL, or
// a host rule with a malformed entry.
func (t *Transport) check(req *http.Request) error {
	switch {
	case t.Source == nil:
		return errNilSource
	case req.URL == nil:
		return errNilURL
	}
	return t.rule().err
}

// token asks the source for the request's token.
func (t *Transport) token(req *http.Request) (*Token, error) {
	tok, err := t.Source.Token(req.Context())
	switch {
	case err != nil:
		return nil, fmt.Errorf("ascjwt: no token for the request: %w", err)
	case tok == nil:
		return nil, errNilToken
	}
	return tok, nil
}

// succeeded reports whether resp is a 2xx: the server took the request,
// and with it the token.
func succeeded(resp *http.Response) bool {
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}

// accepted tells the source, through wrappers, that a server accepted tok
// (see [AcceptanceRecorder]).
func (t *Transport) accepted(tok *Token) {
	if a, ok := find[AcceptanceRecorder](t.Source); ok {
		a.TokenAccepted(tok)
	}
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

// closeBody closes the request's body, for a path that does not send it.
func closeBody(req *http.Request) { closeReader(req.Body) }

// closeReader closes body, if there is one.
func closeReader(body io.ReadCloser) {
	if body != nil {
		body.Close()
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
