package signinwithapple

// What a client ID may hold, checked alike in a Config, a ClientConfig and
// a VerifierConfig.

import (
	"fmt"
	"strings"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// maxClientIDLen bounds a client ID: a bundle ID or a Services ID,
// reverse-DNS names, and 255 bytes is as long as a DNS name gets.
const maxClientIDLen = 255

// checkClientID checks Config.ClientID: a bundle ID or Services ID, whose
// characters Apple limits to letters, digits, '-' and '.'. Case is kept.
func checkClientID(value string) error { return checkClientIDField("Config.ClientID", value) }

// checkClientIDField checks a client ID held by the config field named
// field.
func checkClientIDField(field, value string) error {
	const want = "the client_id you send: your Services ID (sign-in on the web) or your app's bundle ID (sign-in in the app), e.g. com.example.web"
	switch {
	case value == "":
		return fmt.Errorf("signinwithapple: %s is empty; set it to %s", field, want)
	case redact.LooksLikeKey(value):
		return fmt.Errorf("signinwithapple: %s holds %s; set it to %s", field, redact.Describe(value), want)
	case len(value) > maxClientIDLen:
		return fmt.Errorf("signinwithapple: %s is %s, more than the %d a bundle ID or Services ID can be; set it to %s", field, redact.Bytes(len(value)), maxClientIDLen, want)
	case strings.TrimSpace(value) != value:
		return fmt.Errorf("signinwithapple: %s has white space around it; remove it", field)
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '.' {
			return fmt.Errorf("signinwithapple: %s holds a character other than a letter, digit, '-' or '.', which is all a bundle ID or Services ID can hold; set it to %s", field, want)
		}
	}
	return nil
}
