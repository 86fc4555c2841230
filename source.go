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
// from NewTokenSource is safe for concurrent use and reuses each token for
// most of its life.
type TokenSource interface {
	// Token returns a token that is valid for at least another minute. The
	// returned Token is shared with other callers: read it, do not modify it.
	Token(ctx context.Context) (*Token, error)
}

// NewTokenSource checks cfg and returns a TokenSource that signs tokens with
// it. It refuses, with an error that says what to change, everything Apple
// would refuse later: a missing key ID, a key that is not P-256, a malformed
// scope, a lifetime over Apple's limit. It makes no token yet; the first call
// to Token does.
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
	s := &source{settings: set, prefix: prefix}
	s.refreshLocal = s.refresh(context.Background())
	return s, nil
}

// source caches one token and refreshes it. Its fast path is one atomic load
// and two time comparisons: no lock, no allocation.
type source struct {
	*settings
	prefix       []byte              // static claims, encoded once
	refreshLocal func() (any, error) // refresh for in-memory keys, made once

	cur        atomic.Pointer[entry] // nil until the first token, and after Invalidate
	refreshing atomic.Bool           // a background refresh is under way
	flight     singleflight.Group
}

// entry is a token with the two moments that govern its use, each kept
// twice: derived from the clock reading at signing, so that with time.Now
// they follow the monotonic clock and a wall clock set back does not stretch
// a token's use; and as wall-clock Unix nanoseconds, because the monotonic
// clock stops while the machine sleeps and the token's exp does not. A token
// is used only while both say so.
type entry struct {
	tok       Token
	refreshAt time.Time   // from here on, refresh in the background (a quarter of the lifetime left)
	expireAt  time.Time   // from here on, wait for a new token (one minute left)
	dropped   atomic.Bool // a server refused the token before its time

	refreshWall, expireWall int64 // the same moments in Unix nanoseconds
}

func (e *entry) fresh(now time.Time) bool {
	return now.Before(e.refreshAt) && now.UnixNano() < e.refreshWall
}

func (e *entry) usable(now time.Time) bool {
	return now.Before(e.expireAt) && now.UnixNano() < e.expireWall
}

// Token implements TokenSource.
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

func (s *source) refreshInBackground(ctx context.Context) {
	if !s.refreshing.CompareAndSwap(false, true) {
		return // one is under way
	}
	// The result channel is buffered, so nobody needs to read it.
	s.flight.DoChan(refreshKey, s.refresh(context.WithoutCancel(ctx)))
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
	if s.signer.Local() {
		// An in-memory key signs in tens of microseconds, less than it
		// costs to hand the work to another goroutine and back (a new
		// goroutine grows its stack for ECDSA; the wake-up crosses threads).
		// So sign on this goroutine; no wait here outlasts one signature.
		v, err, _ := s.flight.Do(refreshKey, s.refreshLocal)
		if err != nil {
			return nil, err
		}
		return v.(*entry), nil
	}
	select {
	case r := <-s.flight.DoChan(refreshKey, s.refresh(context.WithoutCancel(ctx))):
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*entry), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("ascjwt: gave up waiting for a new token: %w", ctx.Err())
	}
}

// refresh returns the function singleflight runs: sign a token unless one
// fresh enough appeared since the caller looked. The context is detached from
// the caller that started the refresh, so that one impatient caller cannot
// fail a signature other callers wait for.
func (s *source) refresh(ctx context.Context) func() (any, error) {
	return func() (_ any, err error) {
		defer s.refreshing.Store(false)
		// singleflight re-panics a panic in a new goroutine, which no one can
		// recover: a buggy KMS client would take the process down.
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("ascjwt: signing panicked: %v", p)
			}
		}()
		now := s.now()
		if e := s.cur.Load(); e != nil && !e.dropped.Load() && e.fresh(now) {
			return e, nil // a refresh that ended just before this one began
		}
		e, err := s.mint(ctx, now)
		if err != nil {
			return nil, err
		}
		s.cur.Store(e)
		return e, nil
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
	return &entry{
		tok:         Token{Value: value, IssuedAt: time.Unix(iat, 0), Expiry: expiry},
		refreshAt:   refreshAt,
		expireAt:    expireAt,
		refreshWall: refreshAt.UnixNano(),
		expireWall:  expireAt.UnixNano(),
	}, nil
}

// invalidate drops tok if it is still the current token, so that the next
// caller waits for a new one. A token that was already replaced is left
// alone: many requests failing with one old token cause one new signature.
func (s *source) invalidate(tok *Token) {
	if e := s.cur.Load(); e != nil && &e.tok == tok {
		e.dropped.Store(true)
		s.cur.CompareAndSwap(e, nil)
	}
}
