package musickittest

import (
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/internal/faketest"
)

// FuzzVerifyNeverPanicsOrBreaksItsRules: whatever arrives in the
// Authorization header, the check answers without panicking, and a token it
// accepts names the server's key and has not expired.
func FuzzVerifyNeverPanicsOrBreaksItsRules(f *testing.F) {
	keys, tok := faketest.KeyToken()
	k, now, valid := tok.Key, faketest.Now, tok.Valid()
	f.Add(valid, "")
	f.Add(valid+"A", "https://a.example")
	f.Add(strings.Replace(valid, ".", "..", 1), "")
	f.Add("e30.e30.", "")
	f.Fuzz(func(t *testing.T, value, origin string) {
		c, err := verify(value, keys.Lookup, now, origin)
		if err == nil && (c.KeyID != k.ID || c.expiry <= now.Unix() || c.expiry-now.Unix() > maxLifetime) {
			t.Fatalf("accepted a token that breaks a rule: %q", value)
		}
	})
}
