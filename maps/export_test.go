package maps

import (
	"context"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/exchange"
)

// SetExchangeTimeout replaces context.WithTimeout for src's exchanges, so
// that a test ends an exchange's time when it chooses.
func SetExchangeTimeout(src ascjwt.TokenSource, f func(context.Context, time.Duration) (context.Context, context.CancelFunc)) {
	exchange.SetWithTimeout(src.(*source).Source, f)
}

// Refreshing reports whether a background exchange of src is under way:
// its hooks fire before it ends, and a test that wants the next caller to
// start another waits for this to turn false.
func Refreshing(src ascjwt.TokenSource) bool { return exchange.Refreshing(src.(*source).Source) }
