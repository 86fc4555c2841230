package axm_test

import (
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/axm"
)

// FuzzParseAnswer feeds the token endpoint's 200 answer anything: the parser
// must never panic, and what it accepts must be fit to send, an access token
// a header can carry with a lifetime between a second and a day.
func FuzzParseAnswer(f *testing.F) {
	f.Add([]byte(`{"access_token":"abc","token_type":"Bearer","expires_in":3600}`))
	f.Add([]byte(`{"access_token":"abc"}`))
	f.Add([]byte(`{"access_token":"a b","expires_in":1e3}`))
	f.Add([]byte(`{"access_token":"\u0000","expires_in":-1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, life, err := axm.ParseAnswer(body)
		if err != nil {
			if tok != "" || life != 0 {
				t.Fatal("an error came with a token")
			}
			return
		}
		if tok == "" || len(tok) > 8<<10 || life < time.Second || life > 24*time.Hour {
			t.Fatalf("accepted a token of %d bytes living %v", len(tok), life)
		}
		for i := 0; i < len(tok); i++ {
			if tok[i] <= ' ' || tok[i] > '~' {
				t.Fatalf("accepted a token with byte %#x", tok[i])
			}
		}
	})
}
