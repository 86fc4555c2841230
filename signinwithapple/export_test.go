package signinwithapple

import (
	"runtime"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/devtoken"
)

// WaitRefresh returns when the background refresh under way in src, if any,
// has ended: its flag clears only after it has left singleflight, so that a
// caller after it cannot join it and get its (by then old) secret.
func WaitRefresh(src ascjwt.TokenSource) {
	for src.(*devtoken.Source).Refreshing() {
		runtime.Gosched()
	}
}
