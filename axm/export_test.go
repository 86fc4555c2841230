package axm

import (
	"context"
	"runtime"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/exchange"
)

// SetWithTimeout replaces the context.WithTimeout of src's exchanges, so
// that a test ends an exchange's time when it chooses, not when a timer
// does.
func SetWithTimeout(src ascjwt.TokenSource, f func(context.Context, time.Duration) (context.Context, context.CancelFunc)) {
	exchange.SetWithTimeout(src.(*source).Source, f)
}

// WaitRefresh returns when the background exchange under way, if any, has
// ended: its flag clears only after it has left singleflight.
func WaitRefresh(src ascjwt.TokenSource) {
	for exchange.Refreshing(src.(*source).Source) {
		runtime.Gosched()
	}
}
