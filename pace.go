package ascjwt

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// pacer hands out the moments at which requests may be sent while the
// hourly budget is low: one slot per hour/Limit, in the order requests ask.
// It is entered only while a response has said the budget is low, so its
// lock is off the path of every other request.
type pacer struct {
	mu   sync.Mutex
	next time.Time // the next free slot; zero for "now"
	// released is closed, and replaced, when a response says the budget is
	// no longer low, so that requests waiting for a slot go at once.
	released chan struct{}
}

// reserve takes the next slot for a request at now if its wait is allowed,
// and returns the wait, the slot's end (to give it back with unreserve) and
// the channel that ends the wait early. A request whose wait is not allowed
// takes no slot, so that the requests after it do not wait for its turn.
func (p *pacer) reserve(now time.Time, interval time.Duration, allowed func(time.Duration) bool) (wait time.Duration, end time.Time, released <-chan struct{}, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	slot := now
	if p.next.After(now) {
		slot = p.next
	}
	wait = slot.Sub(now)
	if wait > 0 && !allowed(wait) {
		return 0, time.Time{}, nil, false
	}
	if p.released == nil {
		p.released = make(chan struct{})
	}
	p.next = slot.Add(interval)
	return wait, p.next, p.released, true
}

// unreserve gives back the slot ending at end, taken by a request that
// then gave up waiting, if no later request has taken a slot after it.
func (p *pacer) unreserve(end time.Time, interval time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next.Equal(end) {
		p.next = end.Add(-interval)
	}
}

// release ends pacing: the budget has room again. Waiting requests go at
// once, and the slots are forgotten, so that pacing starts afresh the next
// time the budget runs low.
func (p *pacer) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.released != nil {
		close(p.released)
		p.released = nil
	}
	p.next = time.Time{}
}

// pace spaces requests at the key's steady rate, one per hour/Limit, while
// the last response said the hourly budget is low: at most max(10, Limit/100)
// requests left. Apple counts the budget per key over a rolling hour and
// reports it to every process that uses the key, so pacing on it spaces a
// whole fleet with nothing shared but Apple's responses. A request with
// budget to spare reads one atomic pointer here, and nothing else.
//
// A request waits for its slot only within budget (what is left of its
// MaxRetryWait) and its context's deadline; one that would wait longer is
// sent at once and takes no slot. It returns the time waited.
func (t *Transport) pace(req *http.Request, budget time.Duration) (time.Duration, error) {
	p := t.rate.Load()
	if t.DisablePacing || p == nil || !paces(*p) {
		return 0, nil
	}
	rl := *p
	interval := time.Hour / time.Duration(rl.Limit)
	ctx := req.Context()
	wait, end, released, ok := t.pacer.reserve(t.clock(), interval, func(wait time.Duration) bool {
		return wait <= budget && !pastDeadline(ctx, wait)
	})
	if !ok || wait <= 0 {
		return 0, nil // better a request Apple may refuse than one held past its bounds
	}
	if h := t.Hooks; h != nil && h.RateLimitWait != nil {
		h.RateLimitWait(RateLimitWait{Request: req, Wait: wait, Reason: WaitPacing})
	}
	if err := t.sleep(ctx, wait, released); err != nil {
		t.pacer.unreserve(end, interval)
		return 0, fmt.Errorf("ascjwt: gave up waiting %s to pace the request (hourly budget low: %d of %d left): %w", wait, rl.Remaining, rl.Limit, err)
	}
	return wait, nil
}
