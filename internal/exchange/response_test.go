package exchange

import (
	"strings"
	"testing"
	"time"
)

func TestParseResponseOfEachFormat(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      Format
		body   string
		token  string
		life   time.Duration
		errHas string
	}{
		{"oauth", OAuth, `{"access_token":"abc","token_type":"Bearer","expires_in":3600}`, "abc", time.Hour, ""},
		{"oauth lower-case bearer", OAuth, `{"access_token":"abc","token_type":"bearer","expires_in":60}`, "abc", time.Minute, ""},
		{"oauth without expires_in: Apple's hour", OAuth, `{"access_token":"abc"}`, "abc", time.Hour, ""},
		{"maps", Maps, `{"accessToken":"abc","expiresInSeconds":1800}`, "abc", 30 * time.Minute, ""},
		{"maps without expiresInSeconds", Maps, `{"accessToken":"abc"}`, "", 0, "has no expiresInSeconds"},
		{"maps member in another case", Maps, `{"AccessToken":"abc","expiresInSeconds":1800}`, "", 0, "has no accessToken"},
		{"oauth token of maps", OAuth, `{"accessToken":"abc","expiresInSeconds":1800}`, "", 0, "has no access_token"},
		{"not JSON", OAuth, `<html>`, "", 0, "is not the JSON of a token (6 bytes)"},
		{"array", OAuth, `[]`, "", 0, "is not the JSON of a token"},
		{"null", OAuth, `null`, "", 0, "is not the JSON of a token"},
		{"token not a string", OAuth, `{"access_token":5}`, "", 0, "access_token is not a string"},
		{"token with a space", OAuth, `{"access_token":"a b"}`, "", 0, "access_token (3 bytes) is not a token an Authorization header can carry"},
		{"token too long", OAuth, `{"access_token":"` + strings.Repeat("a", MaxTokenLen+1) + `"}`, "", 0, "not a token an Authorization header can carry"},
		{"mac", OAuth, `{"access_token":"abc","token_type":"mac"}`, "", 0, "token_type (3 bytes) is not Bearer"},
		{"fraction", OAuth, `{"access_token":"abc","expires_in":3600.5}`, "", 0, "expires_in is not a whole number of seconds"},
		{"string seconds", Maps, `{"accessToken":"abc","expiresInSeconds":"1800"}`, "", 0, "expiresInSeconds is not a whole number of seconds"},
		{"zero", Maps, `{"accessToken":"abc","expiresInSeconds":0}`, "", 0, "expiresInSeconds, 0 seconds, is not a lifetime Apple gives (30 minutes)"},
		{"over a day", OAuth, `{"access_token":"abc","expires_in":86401}`, "", 0, "expires_in, 86401 seconds, is not a lifetime Apple gives (one hour)"},
	} {
		token, life, err := ParseResponse("test", tc.f, []byte(tc.body))
		if tc.errHas != "" {
			if err == nil || !strings.HasPrefix(err.Error(), "test: ") || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.errHas)
			}
			if token != "" || life != 0 {
				t.Errorf("%s: an error came with a token", tc.name)
			}
			continue
		}
		if err != nil || token != tc.token || life != tc.life {
			t.Errorf("%s: %q, %s, %v; want %q, %s", tc.name, token, life, err, tc.token, tc.life)
		}
	}
}

// FuzzParseResponse feeds a token endpoint's 200 response anything, in both
// formats: the parser must never panic, and what it accepts must be fit to
// send, an access token a header can carry with a lifetime between a second
// and a day.
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(`{"access_token":"abc","token_type":"Bearer","expires_in":3600}`))
	f.Add([]byte(`{"access_token":"abc"}`))
	f.Add([]byte(`{"accessToken":"abc","expiresInSeconds":1800}`))
	f.Add([]byte(`{"access_token":"a b","expires_in":1e3}`))
	f.Add([]byte(`{"access_token":"\u0000","expires_in":-1}`))
	f.Add([]byte(`{"accessToken":"abc","expiresInSeconds":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, format := range []Format{OAuth, Maps} {
			tok, life, err := ParseResponse("test", format, body)
			if err != nil {
				if tok != "" || life != 0 {
					t.Fatal("an error came with a token")
				}
				continue
			}
			if tok == "" || len(tok) > 8<<10 || life < time.Second || life > 24*time.Hour {
				t.Fatalf("accepted a token of %d bytes living %v", len(tok), life)
			}
			for i := 0; i < len(tok); i++ {
				if tok[i] <= ' ' || tok[i] > '~' {
					t.Fatalf("accepted a token with byte %#x", tok[i])
				}
			}
		}
	})
}
