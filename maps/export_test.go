package maps

import (
	"context"
	"time"

	"github.com/ascjwt/ascjwt"
)

// SetExchangeTimeout replaces context.WithTimeout for src's exchanges, so
// that a test ends an exchange's time when it chooses.
func SetExchangeTimeout(src ascjwt.TokenSource, f func(context.Context, time.Duration) (context.Context, context.CancelFunc)) {
	src.(*source).cache.WithTimeout = f
}
