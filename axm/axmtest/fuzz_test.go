package axmtest

import (
	"testing"
	"time"
)

// FuzzVerify feeds the token endpoint's check any assertion: it must never
// panic, and must refuse anything not signed by the account's key (the
// fuzzer cannot forge a P-256 signature).
func FuzzVerify(f *testing.F) {
	s := NewUnstartedServer("business.api")
	defer s.Server.Close()
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6IngifQ.eyJpc3MiOiJ4In0.AAAA")
	f.Add("a.b.c")
	f.Add("..")
	f.Add("eyJ9.e30.")
	f.Fuzz(func(t *testing.T, assertion string) {
		if rule := s.verify(assertion, time.Unix(1_780_000_000, 0)); rule == "" {
			t.Fatal("accepted an assertion the fuzzer made")
		}
	})
}
