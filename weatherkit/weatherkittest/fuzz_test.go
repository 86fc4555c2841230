package weatherkittest

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// FuzzVerifyNeverPanicsOrBreaksItsRules: whatever arrives in the
// Authorization header, the check answers without panicking, and a token it
// accepts names the server's key and Service ID and has not expired.
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
	service := func(id string) bool { return id == DefaultServiceID }
	f.Add(forge(f, fmt.Sprintf(`{"alg":"ES256","kid":%q,"id":"%s.%s"}`, k.ID, k.TeamID, DefaultServiceID),
		fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"sub":%q}`, k.TeamID, now.Unix(), now.Unix()+3600, DefaultServiceID), k.PrivateKey))
	f.Fuzz(func(t *testing.T, value string) {
		c, err := verify(value, keyFor, service, now)
		if err == nil && (c.keyID != k.ID || c.serviceID != DefaultServiceID || c.expiry <= now.Unix()) {
			t.Fatalf("accepted a token that breaks a rule: %q", value)
		}
	})
}
