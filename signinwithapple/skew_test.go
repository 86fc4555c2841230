package signinwithapple_test

import (
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// TestClockSkewWithinAMinutePasses: secrets made on a clock up to 59 s
// ahead of the token endpoint's pass its rules (iat not in the future, exp
// within 15777000 s of its time and of iat), at the default lifetime and at
// Apple's maximum; 61 s ahead, they do not. A clock behind the endpoint's
// only shortens what is left of a secret.
func TestClockSkewWithinAMinutePasses(t *testing.T) {
	srv := signinwithappletest.NewUnstartedServer() // not started: its rules are checked directly
	defer srv.Close()
	serverNow := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return serverNow })
	for _, lifetime := range []time.Duration{0, signinwithapple.MaxLifetime} {
		for _, tc := range []struct {
			ahead time.Duration
			pass  bool
		}{{59 * time.Second, true}, {0, true}, {-10 * time.Minute, true}, {61 * time.Second, false}} {
			cfg := srv.Config()
			cfg.Lifetime = lifetime
			cfg.Now = func() time.Time { return serverNow.Add(tc.ahead) }
			err := srv.VerifyClientSecret(apitest.MustToken(t, newSource(t, cfg).Token).Value, cfg.ClientID)
			if (err == nil) != tc.pass {
				t.Errorf("lifetime %s, our clock %s ahead: the endpoint says %v, want pass=%v", lifetime, tc.ahead, err, tc.pass)
			}
		}
	}
}
