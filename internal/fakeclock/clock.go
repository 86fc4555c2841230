// Package fakeclock is the one settable clock of the tests and the fakes:
// inject its Now where a func() time.Time is wanted and move time with
// Advance instead of sleeping.
//
//	clock := fakeclock.New(start) // stands still at start
//	cfg.Now = clock.Now
//	clock.Advance(20 * time.Minute)
//
// A fake's clock is the zero Clock, which reads [time.Now] until a test
// replaces it with SetClock, plus whatever Advance has added: every fake
// (asctest, musickittest, mapstest, axmtest, ...) keeps one and hands its Now
// to the configs it makes, so a token source and the server that checks its
// tokens see the same time.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a base clock ([time.Now] unless set) plus an offset that Advance
// moves. It is safe for concurrent use; the zero Clock reads time.Now.
type Clock struct {
	mu     sync.Mutex
	base   func() time.Time // nil means time.Now
	offset time.Duration
}

// New returns a Clock that stands still at t until moved.
func New(t time.Time) *Clock {
	c := new(Clock)
	c.Set(t)
	return c
}

// Now returns the base clock's reading plus the offset. The base clock is
// called outside the lock, so that one which reads another clock (or
// blocks) holds no other caller up.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	base, offset := c.base, c.offset
	c.mu.Unlock()
	if base == nil {
		base = time.Now
	}
	return base().Add(offset)
}

// Advance moves the clock forward by d (or back, for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Set stops the clock at t: from now on it reads t until moved.
func (c *Clock) Set(t time.Time) {
	c.SetClock(func() time.Time { return t })
}

// SetClock replaces the base clock and clears the offset; nil restores
// [time.Now]. It is what a fake's SetClock method does.
func (c *Clock) SetClock(now func() time.Time) {
	c.mu.Lock()
	c.base, c.offset = now, 0
	c.mu.Unlock()
}
