package fakeserver

import (
	"time"

	"github.com/ascjwt/ascjwt/internal/fakeclock"
)

// Clock is [fakeclock.Clock] with the Set of its first version, which took
// a base clock; new code uses fakeclock.Clock and its SetClock.
//
// Deprecated: kept while apnstest and signinwithappletest still name it;
// they move to fakeclock.Clock, which this embeds.
type Clock struct {
	fakeclock.Clock
}

// Set replaces the base clock and clears the offset; nil restores
// [time.Now]. It is [fakeclock.Clock.SetClock].
func (c *Clock) Set(now func() time.Time) { c.SetClock(now) }
