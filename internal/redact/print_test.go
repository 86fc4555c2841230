package redact

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

type shown struct{ secret []byte }

func (s shown) String() string                { return "shown{redacted}" }
func (s shown) Format(f fmt.State, verb rune) { Format(f, verb, s.String()) }

func TestFormatPrintsStringForEveryVerb(t *testing.T) {
	v := shown{secret: []byte{0xde, 0xad, 0xbe, 0xef}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%o", "%10v"} {
		if got := fmt.Sprintf(verb, v); !strings.Contains(got, "shown{redacted}") || strings.Contains(got, "222") || strings.Contains(strings.ToLower(got), "dead") {
			t.Errorf("%s prints %q", verb, got)
		}
	}
	if got := fmt.Sprintf("%q", v); got != `"shown{redacted}"` {
		t.Errorf("%%q prints %s", got)
	}
}

func TestKeyNamesTheTypeOnly(t *testing.T) {
	if got := Key(apitest.NewKey(t)); got != "*ecdsa.PrivateKey(redacted)" {
		t.Errorf("Key = %q", got)
	}
	if got := Key(nil); got != "<nil>" {
		t.Errorf("Key(nil) = %q", got)
	}
}

func TestCutRemovesTheSecretAndItsParts(t *testing.T) {
	const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJERUYxMjNHSElKIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
	for _, tc := range []struct{ in, want string }{
		{"refused " + jwt, "refused <the JWT>"},
		{"bad signature c2lnbmF0dXJlLW9mLXRoZS10b2tlbg here", "bad signature <the JWT> here"},
		{"claims eyJpc3MiOiJERUYxMjNHSElKIn0", "claims <the JWT>"},
		{"a . in text", "a . in text"},
		{"", ""},
	} {
		if got := Cut(tc.in, jwt, "<the JWT>"); got != tc.want {
			t.Errorf("Cut(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Cut("text", "", "<x>"); got != "text" {
		t.Errorf("an empty secret cut %q", got)
	}
}
