// Package tokencache holds one token and replaces it, for every kind of
// token the module makes: App Store Connect's, APNs', MusicKit's, an
// exchanged access token. Its fast path is one atomic load and two time
// comparisons, with no lock and no allocation.
//
// A token is fresh until its RefreshAt, and handed out as it is; stale until
// its ExpireAt, when the next caller starts one refresh in the background
// and every caller keeps the current token meanwhile; and expired after, when
// callers wait for its successor or for their context to end. However many
// goroutines ask at once, one refresh runs at a time (singleflight). What
// differs between kinds of token is in [Config]: how a token is made (Mint,
// which also says when it goes stale and when it expires), whether making it
// is quick and local, how soon after one token another may be made, and how
// often a refused token may be dropped.
package tokencache

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Lifetimes are the two moments that govern a token's use.
type Lifetimes struct {
	RefreshAt time.Time // from here on, refresh in the background
	ExpireAt  time.Time // from here on, wait for a new token
}

// Config says how a Cache makes tokens and when it may make another.
type Config[T any] struct {
	// Mint makes a token at now.
	Mint func(ctx context.Context, now time.Time) (T, Lifetimes, error)
	// Local says that Mint is quick and needs no network (an in-memory
	// key): it then runs on the caller's goroutine where it can, takes no
	// context, and is not timed out.
	Local bool
	// Timeout bounds a Mint that is not Local (a KMS, a token endpoint).
	Timeout time.Duration
	// Now is the clock.
	Now func() time.Time
	// MinInterval is the least time between two tokens whatever callers or
	// invalidations ask (APNs refuses tokens replaced more often than every
	// 20 minutes); zero for none.
	MinInterval time.Duration
	// DropInterval is how often Invalidate may drop a token that no server
	// has accepted yet; zero for no bound.
	DropInterval time.Duration
	// Label starts every error, naming what makes the tokens: "ascjwt:
	// the signer for key 2X9R4HXF34".
	Label string
	// Prefix starts the errors of waiting: "ascjwt".
	Prefix string
	// Minted and Failed, when set, are told of each token made (with the
	// time Mint took) and each failed Mint.
	Minted func(tok *T, took time.Duration)
	Failed func(err error)
}

// Cache holds one token of type T and replaces it. It is safe for
// concurrent use.
type Cache[T any] struct {
	cfg          Config[T]
	refreshLocal func() (any, error) // refresh with a Local Mint, made once

	cur        atomic.Pointer[entry[T]] // nil until the first token, and after Invalidate
	refreshing atomic.Bool              // a background refresh is under way
	lastDrop   atomic.Int64             // when Invalidate last dropped a token, Unix ns
	lastMint   atomic.Int64             // when the last token was made, Unix ns
	flight     singleflight.Group
}

// New returns a Cache that makes its tokens as cfg says. It makes none yet.
func New[T any](cfg Config[T]) *Cache[T] {
	c := &Cache[T]{cfg: cfg}
	c.refreshLocal = func() (any, error) { return c.refresh(context.Background()) }
	return c
}

// entry is a token with the two moments that govern its use, each kept
// twice: derived from the clock reading at minting, so that with [time.Now]
// they follow the monotonic clock and a wall clock set back does not stretch
// a token's use; and as wall-clock Unix nanoseconds, because the monotonic
// clock stops while the machine sleeps and the token's expiry does not. A
// token is used only while both say so.
type entry[T any] struct {
	tok       T
	refreshAt time.Time
	expireAt  time.Time
	dropped   atomic.Bool // a server refused the token before its time
	accepted  atomic.Bool // a server accepted the token (see Cache.Accepted)

	refreshWall, expireWall int64 // the same moments in Unix nanoseconds
	minted                  int64 // when it was made, Unix ns
}

func (e *entry[T]) fresh(now time.Time) bool {
	return now.Before(e.refreshAt) && now.UnixNano() < e.refreshWall
}

func (e *entry[T]) usable(now time.Time) bool {
	return now.Before(e.expireAt) && now.UnixNano() < e.expireWall
}

// Token returns the current token, starting or joining a refresh as its
// state asks. The token is shared: read it, do not modify it.
func (c *Cache[T]) Token(ctx context.Context) (*T, error) {
	now := c.cfg.Now()
	if e := c.cur.Load(); e != nil {
		if e.fresh(now) {
			return &e.tok, nil
		}
		if e.usable(now) {
			c.refreshInBackground(ctx) // stale: still good to hand out
			return &e.tok, nil
		}
	}
	return c.await(ctx)
}

// refreshKey names the one refresh singleflight runs at a time.
const refreshKey = "token"

func (c *Cache[T]) refreshInBackground(ctx context.Context) {
	if c.mintTooSoon(c.cfg.Now()) || !c.refreshing.CompareAndSwap(false, true) {
		return // too soon for another token, or one is under way
	}
	// The flag clears only once the refresh has left singleflight, so that a
	// caller that comes after it cannot join a refresh that has ended.
	go func() {
		defer c.refreshing.Store(false)
		c.flight.Do(refreshKey, c.refreshFunc(ctx))
	}()
}

// await waits for a refresh (its own or one under way) or for ctx to end.
func (c *Cache[T]) await(ctx context.Context) (*T, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: no valid token and the context has ended: %w", c.cfg.Prefix, err)
	}
	for attempt := 1; ; attempt++ {
		e, err := c.wait(ctx)
		if err != nil {
			return nil, err
		}
		// A refresh that found a fresh token may hand it out just as a 401
		// drops it; and a refresh that began before the clock jumped (a
		// machine waking from sleep) may hand out a token already in its
		// last minute. Then wait for the token after it.
		if (e.dropped.Load() || !e.usable(c.cfg.Now())) && attempt < 3 {
			continue
		}
		return &e.tok, nil
	}
}

// wait joins the refresh under way, or starts one, and returns its token.
func (c *Cache[T]) wait(ctx context.Context) (*entry[T], error) {
	if c.cfg.Local && ctx.Done() == nil {
		// A context that cannot end needs no watching, and a local Mint
		// (an in-memory key signs in tens of microseconds) costs less than
		// handing the work to another goroutine and back (a new goroutine
		// grows its stack for ECDSA; the wake-up crosses threads): mint on
		// this goroutine.
		v, err, _ := c.flight.Do(refreshKey, c.refreshLocal)
		if err != nil {
			return nil, err
		}
		return v.(*entry[T]), nil
	}
	select {
	case r := <-c.flight.DoChan(refreshKey, c.refreshFunc(ctx)):
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*entry[T]), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: gave up waiting for a new token: %w", c.cfg.Prefix, ctx.Err())
	}
}

// refreshFunc returns the function singleflight runs for a caller with ctx.
// A Mint that is not Local gets a context that keeps ctx's values but not
// its cancellation, so that one impatient caller cannot fail a token others
// wait for, and that ends after Timeout. A Local Mint takes no context, and
// its function is made once.
func (c *Cache[T]) refreshFunc(ctx context.Context) func() (any, error) {
	if c.cfg.Local {
		return c.refreshLocal
	}
	detached := context.WithoutCancel(ctx)
	return func() (any, error) { return c.refresh(detached) }
}

// refresh makes a token and makes it current, unless a fresh one appeared
// since the caller looked (a refresh that ended just before this one
// began), or the last one is too recent to be replaced and still usable.
func (c *Cache[T]) refresh(ctx context.Context) (any, error) {
	now := c.cfg.Now()
	if e := c.cur.Load(); e != nil && !e.dropped.Load() && e.fresh(now) {
		return e, nil
	}
	if e := c.cur.Load(); e != nil && e.usable(now) && c.mintTooSoon(now) {
		return e, nil
	}
	var e *entry[T]
	var err error
	start := time.Now() // the real clock: the time Mint took is a cost, not a token's time
	if c.cfg.Local {
		e, err = c.mintSafely(ctx, now)
	} else {
		e, err = c.mintWithin(ctx, now, c.cfg.Timeout)
	}
	if err == nil {
		c.lastMint.Store(e.minted)
		c.cur.Store(e) // before the hook, so that a hook that asks for a token gets this one
		if c.cfg.Minted != nil {
			took := time.Since(start)
			err = c.hook("TokenMinted", func() { c.cfg.Minted(&e.tok, took) })
		}
	}
	if err != nil {
		if c.cfg.Failed != nil {
			if herr := c.hook("RefreshFailed", func() { c.cfg.Failed(err) }); herr != nil {
				err = fmt.Errorf("%w; and then %w", err, herr)
			}
		}
		return nil, err
	}
	return e, nil
}

// hook runs a hook of the caller's, turning a panic into the refresh's
// error: in a background refresh no caller could recover it, and a bug in
// a logging hook must not take the process down. A token already made
// stays current.
func (c *Cache[T]) hook(name string, f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: the %s hook panicked: %v", c.cfg.Prefix, name, p)
		}
	}()
	f()
	return nil
}

// mintTooSoon reports whether MinInterval forbids a new token at now.
func (c *Cache[T]) mintTooSoon(now time.Time) bool {
	if c.cfg.MinInterval == 0 {
		return false
	}
	last := c.lastMint.Load()
	return last != 0 && now.UnixNano()-last < int64(c.cfg.MinInterval)
}

// mintSafely is mint with a panic turned into an error: singleflight
// re-panics a panic in a goroutine of its own, where no one can recover it,
// and a buggy KMS client must not take the process down.
func (c *Cache[T]) mintSafely(ctx context.Context, now time.Time) (e *entry[T], err error) {
	defer func() {
		if p := recover(); p != nil {
			e, err = nil, fmt.Errorf("%s panicked: %v", c.cfg.Label, p)
		}
	}()
	return c.mint(ctx, now)
}

// mintWithin mints on a goroutine of its own and gives up after d. The
// goroutine ends when Mint returns; Mint is told to stop, through its
// context, when d has passed.
func (c *Cache[T]) mintWithin(ctx context.Context, now time.Time, d time.Duration) (*entry[T], error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type result struct {
		e   *entry[T]
		err error
	}
	done := make(chan result, 1)
	go func() {
		e, err := c.mintSafely(ctx, now)
		done <- result{e, err}
	}()
	select {
	case r := <-done:
		return r.e, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%s did not answer within %s", c.cfg.Label, d)
	}
}

func (c *Cache[T]) mint(ctx context.Context, now time.Time) (*entry[T], error) {
	e := new(entry[T])
	tok, life, err := c.cfg.Mint(ctx, now)
	if err != nil {
		return nil, err
	}
	if life.RefreshAt.After(life.ExpireAt) {
		life.RefreshAt = life.ExpireAt
	}
	e.tok = tok
	e.refreshAt, e.expireAt = life.RefreshAt, life.ExpireAt
	e.refreshWall, e.expireWall = life.RefreshAt.UnixNano(), life.ExpireAt.UnixNano()
	e.minted = now.UnixNano()
	return e, nil
}

// Invalidate drops tok if it is still the current token, so that the next
// caller waits for a new one; a token that was already replaced is left
// alone, so that many requests refused with one token cause one new token.
// A token a server has accepted and now refuses was revoked or outlived the
// server's trust: it is dropped at once. A token never accepted may be
// refused for what the request asks (outside the token's scope, say), which
// a new token does not cure: it is dropped only if no token was dropped
// within DropInterval. Nothing is dropped within MinInterval of the last
// token made.
func (c *Cache[T]) Invalidate(tok *T) {
	e := c.cur.Load()
	if e == nil || &e.tok != tok {
		return
	}
	now := c.cfg.Now()
	if c.mintTooSoon(now) {
		return
	}
	last := c.lastDrop.Load()
	n := now.UnixNano()
	if d := int64(c.cfg.DropInterval); d > 0 && !e.accepted.Load() && last != 0 && n >= last && n-last < d {
		return
	}
	if c.lastDrop.CompareAndSwap(last, n) {
		e.dropped.Store(true)
		c.cur.CompareAndSwap(e, nil)
	}
}

// Accepted records that a server accepted tok, if it is still the current
// token: a token accepted and then refused was revoked, and Invalidate
// drops it at once rather than within DropInterval. Once recorded, a call
// writes nothing shared.
func (c *Cache[T]) Accepted(tok *T) {
	if e := c.cur.Load(); e != nil && &e.tok == tok && !e.accepted.Load() {
		e.accepted.Store(true)
	}
}
