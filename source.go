package ascjwt

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ascjwt/ascjwt/internal/claims"
)

// A TokenSource returns tokens to put in the Authorization header. The one
// from [NewTokenSource] is safe for concurrent use and reuses each token for
// most of its life.
type TokenSource interface {
	// Token returns a token that is valid for at least another minute. The
	// returned [Token] is shared with other callers: read it, do not modify it.
	Token(ctx context.Context) (*Token, error)
}

// An Invalidator is a [TokenSource] that can be told a server refused one of
// its tokens, so that it makes a new one. [Transport] uses it to retry a 401
// once with a fresh token; with a source that is not an Invalidator it hands
// the 401 back untried. The source from [NewTokenSource] is one.
//
// A TokenSource of your own that wraps another (to add logging or metrics,
// say) loses that retry unless it implements Invalidator too, by passing the
// call on with the same *[Token] the inner source returned:
//
//	func (w *logged) InvalidateToken(tok *ascjwt.Token) {
//		if inv, ok := w.inner.(ascjwt.Invalidator); ok {
//			inv.InvalidateToken(tok)
//		}
//	}
type Invalidator interface {
	TokenSource
	// InvalidateToken reports that a server refused tok before its expiry.
	// The source decides what that is worth: the one from [NewTokenSource]
	// drops tok only while it is the current token, at once for a token a
	// server has accepted before and at most once a minute otherwise.
	InvalidateToken(tok *Token)
}

// NewTokenSource checks cfg and returns a [TokenSource] that signs tokens with
// it. It refuses, with an error that says what to change, everything Apple
// would refuse later: a missing key ID, a key that is not P-256, a malformed
// scope, a lifetime over Apple's limit. It makes no token yet; the first call
// to [TokenSource.Token] does.
//
// The source hands out one token for three quarters of its life. Then the
// next caller starts a single refresh in the background and every caller
// keeps the current token meanwhile; only when a token is down to its last
// minute do callers wait for its successor. However many goroutines call at
// once, one signature is made at a time.
func NewTokenSource(cfg Config) (TokenSource, error) {
	set, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	prefix, err := set.static.Prefix()
	if err != nil {
		return nil, fmt.Errorf("ascjwt: encode claims: %w", err)
	}
	s := &source{settings: set, prefix: prefix, signTimeout: remoteSignTimeout, withTimeout: context.WithTimeout}
	s.refreshLocal = func() (any, error) { return s.refresh(context.Background()) }
	return s, nil
}

// source caches one token and refreshes it. Its fast path is one atomic load
// and two time comparisons: no lock, no allocation.
type source struct {
	*settings
	prefix       []byte              // static claims, encoded once
	refreshLocal func() (any, error) // refresh for in-memory keys, made once
	signTimeout  time.Duration       // remoteSignTimeout
	// withTimeout is context.WithTimeout; tests replace it to end a
	// signature's time when they choose, not when a timer does.
	withTimeout func(context.Context, time.Duration) (context.Context, context.CancelFunc)

	cur        atomic.Pointer[entry] // nil until the first token, and after InvalidateToken
	refreshing atomic.Bool           // a background refresh is under way
	lastDrop   atomic.Int64          // when InvalidateToken last dropped a token, Unix ns
	flight     singleflight.Group
}

// entry is a token with the two moments that govern its use, each kept
// twice: derived from the clock reading at signing, so that with [time.Now]
// they follow the monotonic clock and a wall clock set back does not stretch
// a token's use; and as wall-clock Unix nanoseconds, because the monotonic
// clock stops while the machine sleeps and the token's exp does not. A token
// is used only while both say so.
type entry struct {
	tok       Token
	refreshAt time.Time   // from here on, refresh in the background (a quarter of the lifetime left)
	expireAt  time.Time   // from here on, wait for a new token (one minute left)
	dropped   atomic.Bool // a server refused the token before its time
	accepted  atomic.Bool // a server accepted the token; tok.accepted points here

	refreshWall, expireWall int64 // the same moments in Unix nanoseconds
}

func (e *entry) fresh(now time.Time) bool {
	return now.Before(e.refreshAt) && now.UnixNano() < e.refreshWall
}

func (e *entry) usable(now time.Time) bool {
	return now.Before(e.expireAt) && now.UnixNano() < e.expireWall
}

// Token implements [TokenSource].
func (s *source) Token(ctx context.Context) (*Token, error) {
	now := s.now()
	if e := s.cur.Load(); e != nil {
		if e.fresh(now) {
			return &e.tok, nil
		}
		if e.usable(now) {
			s.refreshInBackground(ctx) // stale: still good to hand out
			return &e.tok, nil
		}
	}
	return s.await(ctx)
}

// refreshKey names the one refresh singleflight runs at a time.
const refreshKey = "token"

// remoteSignTimeout bounds a signature by a key outside the process (a KMS
// or HSM): a remote signer that hangs must not hold every caller that waits
// for a token, nor stop the next refresh from being tried.
const remoteSignTimeout = 30 * time.Second

// dropInterval is how often a 401 may drop a token that no server has
// accepted yet. A fresh token cures a token the server stopped trusting, but
// not a request the key may not make (outside the token's scope, say):
// without a bound, each such request would cost a signature. A token that
// was accepted and is now refused was revoked: it is dropped at once.
const dropInterval = time.Minute

func (s *source) refreshInBackground(ctx context.Context) {
	if !s.refreshing.CompareAndSwap(false, true) {
		return // one is under way
	}
	// The flag clears only once the refresh has left singleflight, so that a
	// caller that comes after it cannot join a refresh that has ended.
	go func() {
		defer s.refreshing.Store(false)
		s.flight.Do(refreshKey, s.refreshFunc(ctx))
	}()
}

// await waits for a refresh (its own or one under way) or for ctx to end.
func (s *source) await(ctx context.Context) (*Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ascjwt: no valid token and the context has ended: %w", err)
	}
	for attempt := 1; ; attempt++ {
		e, err := s.wait(ctx)
		if err != nil {
			return nil, err
		}
		// A refresh that found a fresh token may hand it out just as a 401
		// drops it; then wait for the signature the drop calls for.
		if e.dropped.Load() && attempt < 3 {
			continue
		}
		return &e.tok, nil
	}
}

// wait joins the refresh under way, or starts one, and returns its token.
func (s *source) wait(ctx context.Context) (*entry, error) {
	if s.signer.Local() && ctx.Done() == nil {
		// A context that cannot end needs no watching, and an in-memory key
		// signs in tens of microseconds, less than handing the work to
		// another goroutine and back costs (a new goroutine grows its stack
		// for ECDSA; the wake-up crosses threads): sign on this goroutine.
		v, err, _ := s.flight.Do(refreshKey, s.refreshLocal)
		if err != nil {
			return nil, err
		}
		return v.(*entry), nil
	}
	select {
	case r := <-s.flight.DoChan(refreshKey, s.refreshFunc(ctx)):
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*entry), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("ascjwt: gave up waiting for a new token: %w", ctx.Err())
	}
}

// refreshFunc returns the function singleflight runs for a caller with ctx.
// A remote signer gets a context that keeps ctx's values but not its
// cancellation, so that one impatient caller cannot fail a signature others
// wait for, and that ends after remoteSignTimeout. An in-memory key takes no
// context, and its function is made once.
func (s *source) refreshFunc(ctx context.Context) func() (any, error) {
	if s.signer.Local() {
		return s.refreshLocal
	}
	detached := context.WithoutCancel(ctx)
	return func() (any, error) { return s.refresh(detached) }
}

// refresh signs a token and makes it current, unless a fresh one appeared
// since the caller looked (a refresh that ended just before this one began).
func (s *source) refresh(ctx context.Context) (any, error) {
	now := s.now()
	if e := s.cur.Load(); e != nil && !e.dropped.Load() && e.fresh(now) {
		return e, nil
	}
	var e *entry
	var err error
	start := time.Now() // the real clock: SignTime is a cost, not a token's time
	if s.signer.Local() {
		e, err = s.mintSafely(ctx, now)
	} else {
		e, err = s.mintWithin(ctx, now, s.signTimeout)
	}
	if err != nil {
		if h := s.hooks; h != nil && h.RefreshFailed != nil {
			h.RefreshFailed(RefreshFailed{KeyID: s.keyID, Err: err})
		}
		return nil, err
	}
	s.cur.Store(e)
	if h := s.hooks; h != nil && h.TokenMinted != nil {
		h.TokenMinted(TokenMinted{KeyID: s.keyID, Expiry: e.tok.Expiry, SignTime: time.Since(start)})
	}
	return e, nil
}

// mintSafely is mint with a signer's panic turned into an error: singleflight
// re-panics a panic in a goroutine of its own, where no one can recover it,
// and a buggy KMS client must not take the process down.
func (s *source) mintSafely(ctx context.Context, now time.Time) (e *entry, err error) {
	defer func() {
		if p := recover(); p != nil {
			e, err = nil, fmt.Errorf("ascjwt: signing with key %s panicked: %v", s.keyID, p)
		}
	}()
	return s.mint(ctx, now)
}

// mintWithin signs on a goroutine of its own and gives up after d. The
// goroutine ends when the signer returns; a [ContextSigner] is told to stop
// when d has passed.
func (s *source) mintWithin(ctx context.Context, now time.Time, d time.Duration) (*entry, error) {
	ctx, cancel := s.withTimeout(ctx, d)
	defer cancel()
	type result struct {
		e   *entry
		err error
	}
	done := make(chan result, 1)
	go func() {
		e, err := s.mintSafely(ctx, now)
		done <- result{e, err}
	}()
	select {
	case r := <-done:
		return r.e, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("ascjwt: the signer for key %s did not answer within %s", s.keyID, d)
	}
}

// mint signs a new token. iat is backdated by clockSkew, so that a server
// whose clock is behind ours does not see a token from the future, and exp is
// iat + lifetime, so that a server whose clock is ahead does not see a token
// that lives longer than Apple allows.
func (s *source) mint(ctx context.Context, now time.Time) (*entry, error) {
	iat := now.Unix() - int64(clockSkew/time.Second)
	exp := iat + int64(s.lifetime/time.Second)
	payload := claims.AppendPayload(make([]byte, 0, len(s.prefix)+48), s.prefix, iat, exp)
	value, err := s.signer.Sign(ctx, payload)
	if err != nil {
		return nil, fmt.Errorf("ascjwt: sign token for key %s: %w", s.keyID, err)
	}
	expiry := time.Unix(exp, 0)
	left := expiry.Sub(now) // time from now until exp, on the wall clock
	expireAt := now.Add(left - time.Minute)
	refreshAt := now.Add(left - s.lifetime/4)
	if refreshAt.After(expireAt) {
		refreshAt = expireAt
	}
	e := &entry{
		tok:         Token{Value: value, IssuedAt: time.Unix(iat, 0), Expiry: expiry},
		refreshAt:   refreshAt,
		expireAt:    expireAt,
		refreshWall: refreshAt.UnixNano(),
		expireWall:  expireAt.UnixNano(),
	}
	e.tok.accepted = &e.accepted
	return e, nil
}

// InvalidateToken implements [Invalidator]. It drops tok if it is still the
// current token, so that the next caller waits for a new one; a token that
// was already replaced is left alone, so that many requests refused with one
// token cause one new signature. A token a server has accepted and now
// refuses was revoked or outlived the server's trust: it is dropped at once.
// A token never accepted may be refused for what the request asks (outside
// the token's scope, say), which a new token does not cure: it is dropped
// only if no token was dropped within dropInterval.
func (s *source) InvalidateToken(tok *Token) {
	e := s.cur.Load()
	if e == nil || &e.tok != tok {
		return
	}
	now, last := s.now().UnixNano(), s.lastDrop.Load()
	if !e.accepted.Load() && last != 0 && now >= last && now-last < int64(dropInterval) {
		return
	}
	if s.lastDrop.CompareAndSwap(last, now) {
		e.dropped.Store(true)
		s.cur.CompareAndSwap(e, nil)
	}
}
