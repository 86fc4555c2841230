// Package exchange is the one token-endpoint path of the API packages whose
// access tokens are fetched rather than signed (maps, axm): a request
// carrying a signed credential (a JWT bearer, a client assertion) goes to
// Apple's token endpoint, and the access token in the response is cached
// and handed out until shortly before it expires.
//
//	endpoint := exchange.Endpoint{Package: "maps", Credential: "JWT", Format: exchange.Maps}
//	src := exchange.NewBearer(endpoint, client, time.Now, hooks, keyID, request)
//	tok, err := src.Token(ctx)
//
// What is shared is here once: the bounded read of the response and its
// parsing ([ParseResponse]), one error type with the OAuth fields ([Error]),
// one refresh margin, one timeout ([Timeout]), the context an exchange runs
// under, the backoff of a failing endpoint, and when a refused access token
// is dropped. An API package says what differs: its [Endpoint] (the
// response's shape, what its errors usually mean) and how the request is
// made ([NewBearer]); a [Config] is the whole of it, for [New].
package exchange

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ascjwt/ascjwt/internal/respbody"
	"github.com/ascjwt/ascjwt/internal/tokencache"
)

// Timeout bounds one exchange, whatever the callers' contexts say: an
// endpoint that does not respond must not hold every caller that waits for
// a token, nor stop the next exchange from being tried.
const Timeout = 30 * time.Second

// DropInterval is how often a 401 from the API may cost an exchange once a
// new token did not cure it (see [Source.InvalidateToken]).
const DropInterval = time.Minute

// Config says how one API exchanges its credential for an access token.
type Config[T any] struct {
	// Package is the API package's name, which starts every error.
	Package string
	// Credential names what the request carries, for errors and for the
	// marker that replaces it in echoed text: "JWT", "assertion".
	Credential string
	// Client sends the requests. Use [NoRedirects] on the caller's client:
	// the credential goes to the token endpoint and nowhere else.
	Client *http.Client
	// Now is the clock, for token lifetimes and for the backoff.
	Now func() time.Time
	// Request makes the request of one exchange at now.
	Request func(ctx context.Context, now time.Time) (Attempt, error)
	// Format is the shape of the 200 response, and names the error
	// document a refusal carries (Format.ErrorKind).
	Format Format
	// Hint, when set, says what a status or OAuth code usually means at
	// this endpoint and what to check; an empty result falls back to what
	// it means at any endpoint.
	Hint func(status int, code string) string
	// Make builds a token of type T; Value reads a token's value back.
	Make  func(value string, issued, expiry time.Time) T
	Value func(*T) string
	// Minted and Failed, when set, are told of each token exchanged (with
	// the time the exchange took) and each exchange that failed; not of
	// calls answered with the last failure while the endpoint is left
	// alone.
	Minted func(tok *T, took time.Duration)
	Failed func(err error)
}

// Attempt is one exchange's request and what it carries.
type Attempt struct {
	// Request is sent with [Config].Client under the exchange's context.
	Request *http.Request
	// Secret is the credential the request carries: cut, whole and by its
	// dot-separated parts, out of any text the endpoint sends back.
	Secret string
	// Refused, when set, is called when the endpoint answers 401: it
	// refused the credential itself (maps drops its cached JWT).
	Refused func()
}

// config is a Config's fixed part, as errors need it.
type config struct {
	pkg, marker, errorKind string
	hint                   func(status int, code string) string
}

// Source hands out the access tokens of one API and exchanges them anew. It
// is safe for concurrent use. The API package's source embeds it for Token,
// InvalidateToken and TokenAccepted.
type Source[T any] struct {
	cfg   Config[T]
	errs  config
	cache *tokencache.Cache[T]
	back  backoff

	// inside counts the callers in Token, and running is the exchange
	// under way: when the last caller waiting for it gives up, nobody
	// needs its result (see detach).
	inside  atomic.Int64
	running atomic.Pointer[run]

	last atomic.Pointer[minted] // cur, for TokenAccepted, read without the lock

	mu         sync.Mutex
	cur        *minted   // the last token made
	lastDrop   time.Time // when a refused token was last dropped
	stormUntil time.Time // no drop before this: a fresh token was refused too
}

// minted is what the drop rules remember of a token.
type minted struct {
	value     string
	accepted  atomic.Bool // an API request with it got a 2xx
	afterDrop bool        // made to replace a token that was dropped
	dropped   bool
}

// New returns a Source that exchanges as cfg says. It makes no exchange yet.
func New[T any](cfg Config[T]) *Source[T] {
	s := &Source[T]{cfg: cfg, errs: config{pkg: cfg.Package, marker: "<the " + cfg.Credential + ">", errorKind: cfg.Format.ErrorKind, hint: cfg.Hint}}
	failed := cfg.Failed
	if failed != nil {
		failed = func(err error) {
			if !errors.Is(err, errBackingOff) && !errors.Is(err, errAbandoned) {
				cfg.Failed(err) // an exchange was made and failed
			}
		}
	}
	s.cache = tokencache.New(tokencache.Config[T]{
		Mint:    s.mint,
		Timeout: Timeout,
		Now:     cfg.Now,
		// The drop rules are this package's (InvalidateToken): the cache
		// drops what it is told to.
		DropInterval: 0,
		Label:        cfg.Package + ": the token endpoint",
		Prefix:       cfg.Package,
		Minted:       cfg.Minted,
		Failed:       failed,
	})
	return s
}

// Token returns the current access token: a cached one costs a few atomic
// operations and two time comparisons; one in the last quarter of its life is
// replaced in the background while callers keep it; past that, callers
// wait for the exchange, or for their context to end. However many callers
// ask at once, one exchange runs, and it runs apart from their contexts'
// values (see detach). While a failing endpoint is left alone (see
// backoff), a caller with no usable token gets the last failure at once.
func (s *Source[T]) Token(ctx context.Context) (*T, error) {
	for attempt := 1; ; attempt++ {
		s.inside.Add(1)
		tok, err := s.cache.Token(ctx)
		if s.inside.Add(-1) == 0 && err != nil && ctx.Err() != nil {
			s.gaveUp()
		}
		// Callers that came just after every earlier one gave up joined an
		// exchange that was then cancelled: they start the next.
		if err != nil && errors.Is(err, errAbandoned) && ctx.Err() == nil && attempt < 3 {
			continue
		}
		return tok, err
	}
}

// mint is the cache's Mint: one exchange at now, unless the endpoint is
// being left alone after failures. ctx carries the timeout; the exchange
// runs under a context of its own made from it (detach).
func (s *Source[T]) mint(ctx context.Context, now time.Time) (T, tokencache.Lifetimes, error) {
	var zero T
	if err := s.back.check(now); err != nil {
		return zero, tokencache.Lifetimes{}, err
	}
	xctx, stop := s.detach(ctx)
	defer stop()
	value, life, err := s.exchange(xctx, now)
	if err != nil {
		if errors.Is(context.Cause(xctx), errAbandoned) {
			return zero, tokencache.Lifetimes{}, fmt.Errorf("%s: the exchange was cancelled: %w", s.cfg.Package, errAbandoned)
		}
		s.back.failed(now, err)
		return zero, tokencache.Lifetimes{}, err
	}
	s.back.succeeded()
	// The life counts from before the request was sent, so that the token
	// is never held past the moment Apple lets it go.
	tok := s.cfg.Make(value, now, now.Add(life))
	s.remember(value)
	return tok, Lifetimes(now, life), nil
}

// Lifetimes is the one refresh margin of exchanged tokens: fresh for three
// quarters of its life, then replaced in the background; usable until its
// last minute (its last quarter, for a token that lives under four
// minutes).
func Lifetimes(now time.Time, life time.Duration) tokencache.Lifetimes {
	return tokencache.Lifetimes{RefreshAt: now.Add(life * 3 / 4), ExpireAt: now.Add(life - min(time.Minute, life/4))}
}

// remember records the token of value as the last one made.
func (s *Source[T]) remember(value string) {
	m := &minted{value: value}
	s.mu.Lock()
	m.afterDrop = s.cur != nil && s.cur.dropped
	s.cur = m
	s.mu.Unlock()
	s.last.Store(m)
}

// TokenAccepted records that an API request with tok got a 2xx, if tok is
// the last token made: ascjwt's Transport calls it (the
// ascjwt.AcceptanceRecorder of the API packages' sources, which embed a
// Source). It takes no lock: once the token is marked, a call is one
// atomic load.
func (s *Source[T]) TokenAccepted(tok *T) {
	if m := s.last.Load(); tok != nil && m != nil && !m.accepted.Load() && m.value == s.cfg.Value(tok) {
		m.accepted.Store(true)
	}
}

// exchange sends one request and reads the access token from the response.
func (s *Source[T]) exchange(ctx context.Context, now time.Time) (string, time.Duration, error) {
	pkg := s.cfg.Package
	a, err := s.cfg.Request(ctx, now)
	if err != nil {
		return "", 0, err
	}
	resp, err := s.cfg.Client.Do(a.Request)
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, fmt.Errorf("%s: the token endpoint did not answer within %s: %w", pkg, Timeout, err)
		}
		return "", 0, fmt.Errorf("%s: send the token request: %w", pkg, err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Body.Close()
		return "", 0, fmt.Errorf("%s: the token endpoint answered %s, a redirect, which is not followed so that the %s goes nowhere else; set Config.TokenURL to the endpoint itself", pkg, respbody.Status(resp.StatusCode), s.cfg.Credential)
	}
	body, err := readBody(pkg, resp)
	if err != nil {
		return "", 0, err
	}
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode == http.StatusUnauthorized && a.Refused != nil {
			a.Refused()
		}
		return "", 0, newError(&s.errs, resp, body, a.Secret, now)
	}
	return ParseResponse(pkg, s.cfg.Format, body)
}

// NoRedirects returns a copy of c (or of [http.DefaultClient]) that does
// not follow redirects: a 307 or 308 would send the credential to wherever
// the response points. The caller's client is left as it was.
func NoRedirects(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}
