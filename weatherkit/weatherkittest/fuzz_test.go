package weatherkittest

import (
	"testing"

	"github.com/ascjwt/ascjwt/internal/faketest"
)

// FuzzVerifyNeverPanicsOrBreaksItsRules: whatever arrives in the
// Authorization header, the check answers without panicking, and a token it
// accepts names the server's key and Service ID and has not expired.
func FuzzVerifyNeverPanicsOrBreaksItsRules(f *testing.F) {
	keys, tok := faketest.KeyToken()
	tok.Header, tok.Claims = serviceMembers(tok.Key, DefaultServiceID)
	k, now := tok.Key, faketest.Now
	service := func(id string) bool { return id == DefaultServiceID }
	f.Add(tok.Valid())
	f.Fuzz(func(t *testing.T, value string) {
		c, err := verify(value, keys.Lookup, service, now)
		if err == nil && (c.KeyID != k.ID || c.serviceID != DefaultServiceID || c.expiry <= now.Unix()) {
			t.Fatalf("accepted a token that breaks a rule: %q", value)
		}
	})
}
