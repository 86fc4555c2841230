package exchange

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errAbandoned is the cause of an exchange cancelled because every caller
// that waited for it gave up.
var errAbandoned = errors.New("every caller waiting for it gave up")

// abandonGrace is how long an exchange outlives the last caller that gave
// up on it: a caller that comes a moment later (the next request of a busy
// server) joins it rather than finding it cancelled and starting another.
const abandonGrace = time.Second

// run is the exchange under way.
type run struct {
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	timer  *time.Timer // counting abandonGrace, when no caller waits
	ended  bool
}

// detach returns the context an exchange runs under: one that holds none
// of the callers' values, so that a caller's httptrace.ClientTrace (or any
// logger or tracer riding in its context) never sees the exchange's request
// and the credential in it; that ends when parent does (the cache's
// Timeout), with parent's deadline; and that ends when the callers waiting
// for it have all given up (their contexts cancelled or past their
// deadlines), [abandonGrace] after the last of them, since no one then
// needs the result (Token calls gaveUp). One caller's giving up does not
// end an exchange others wait for, and an exchange in the background, that
// no caller waits for, runs to its end or its timeout. stop releases what
// detach set up.
func (s *Source[T]) detach(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	endDeadline := func() {}
	if d, ok := parent.Deadline(); ok {
		ctx, endDeadline = context.WithDeadline(ctx, d)
	}
	endParent := context.AfterFunc(parent, func() { cancel(context.Cause(parent)) })
	r := &run{cancel: cancel}
	s.running.Store(r)
	return ctx, func() {
		s.running.CompareAndSwap(r, nil)
		r.mu.Lock()
		r.ended = true
		if r.timer != nil {
			r.timer.Stop()
		}
		r.mu.Unlock()
		endParent()
		endDeadline()
		cancel(nil)
	}
}

// gaveUp is called when the last caller inside Token gave up: the exchange
// under way, if any, ends after abandonGrace unless a caller is inside
// Token by then.
func (s *Source[T]) gaveUp() {
	r := s.running.Load()
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended || r.timer != nil {
		return
	}
	r.timer = time.AfterFunc(abandonGrace, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.timer = nil
		if !r.ended && s.inside.Load() == 0 {
			r.cancel(errAbandoned)
		}
	})
}
