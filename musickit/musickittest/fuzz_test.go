package musickittest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzVerifyNeverPanicsOrBreaksItsRules: whatever arrives in the
// Authorization header, the check answers without panicking, and a token it
// accepts names the server's key and has not expired.
func FuzzVerifyNeverPanicsOrBreaksItsRules(f *testing.F) {
	srv := NewUnstartedServer()
	defer srv.Close()
	k := srv.Key()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	keyFor := func(kid string) (Key, error) {
		if kid != k.ID {
			return Key{}, errors.New("unknown kid")
		}
		return k, nil
	}
	valid := forgeValid(f, k, now)
	f.Add(valid, "")
	f.Add(valid+"A", "https://a.example")
	f.Add(strings.Replace(valid, ".", "..", 1), "")
	f.Add("e30.e30.", "")
	f.Fuzz(func(t *testing.T, value, origin string) {
		c, err := verify(value, keyFor, now, origin)
		if err == nil && (c.keyID != k.ID || c.expiry <= now.Unix() || c.expiry-now.Unix() > maxLifetime) {
			t.Fatalf("accepted a token that breaks a rule: %q", value)
		}
	})
}
