package fakeclock

import (
	"testing"
	"time"
)

func TestClockAdvancesAndSetReplacesTheBase(t *testing.T) {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var c Clock
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Fatalf("the zero Clock reads %s from time.Now", d)
	}
	c.SetClock(func() time.Time { return base })
	c.Advance(time.Hour)
	c.Advance(time.Minute)
	if got := c.Now(); !got.Equal(base.Add(61 * time.Minute)) {
		t.Fatalf("Now = %s after Advance", got)
	}
	c.SetClock(func() time.Time { return base })
	if got := c.Now(); !got.Equal(base) {
		t.Fatalf("Set kept the offset: %s", got)
	}
	// A base clock that reads the clock itself does not deadlock.
	var outer Clock
	outer.SetClock(func() time.Time { outer.Advance(0); return base })
	if got := outer.Now(); !got.Equal(base) {
		t.Fatalf("reentrant base: %s", got)
	}
}

// TestNewStandsStillUntilMoved: New's clock reads t, then t plus what
// Advance added; Set stops it at another moment.
func TestNewStandsStillUntilMoved(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := New(start)
	for range 2 { // read twice: it stands still
		if got := c.Now(); !got.Equal(start) {
			t.Fatalf("New(start) reads %s", got)
		}
	}
	c.Advance(-time.Second)
	if got := c.Now(); !got.Equal(start.Add(-time.Second)) {
		t.Fatalf("after Advance(-1s): %s", got)
	}
	c.Set(start.Add(time.Hour))
	c.Advance(time.Minute)
	if got := c.Now(); !got.Equal(start.Add(61 * time.Minute)) {
		t.Fatalf("after Set and Advance: %s", got)
	}
	c.SetClock(nil)
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Fatalf("SetClock(nil) reads %s from time.Now", d)
	}
}
