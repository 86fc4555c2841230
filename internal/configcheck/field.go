package configcheck

import (
	"fmt"
	"strings"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// Longest values [CheckField] is given for an App Store Connect key's IDs.
// Apple's key IDs are 10 characters and issuer IDs 36 (a UUID); a value far
// longer is something else in the wrong place, often a private key in a
// swapped CI secret. A bundle ID is a reverse-DNS name, and 255 bytes is as
// long as a DNS name gets.
const (
	MaxIDLen       = 64
	MaxBundleIDLen = 255
)

// CheckField refuses what the root package's Config refuses in an App Store
// Connect key ID, issuer ID or bundle ID: an empty value, a private key
// pasted in, a value longer than max, white space around it (from copying
// IDs out of web pages and files, which Apple refuses without saying why),
// a control character. pkg starts the error, config.name names the field
// ("SignerConfig.KeyID"), and want says what to set it to. It never quotes
// the value: a refused value may be a secret in the wrong place.
func CheckField(pkg, config, name, value string, max int, want string) error {
	field := config + "." + name
	switch {
	case value == "":
		return fmt.Errorf("%s: %s is empty; set it to %s", pkg, field, want)
	case redact.LooksLikeKey(value):
		return fmt.Errorf("%s: %s holds %s; set it to %s, and the key itself in %s.PrivateKey", pkg, field, redact.Describe(value), want, config)
	case len(value) > max:
		return fmt.Errorf("%s: %s is %s, more than the %d an ID can be; set it to %s", pkg, field, redact.Bytes(len(value)), max, want)
	case strings.TrimSpace(value) != value:
		return fmt.Errorf("%s: %s has white space around it; remove it", pkg, field)
	}
	for _, r := range value {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("%s: %s holds a control character; set it to %s", pkg, field, want)
		}
	}
	return nil
}

// ShowField is [Show] for a field [CheckField] checks: the value quoted
// when CheckField would take it (or it is empty), described otherwise.
func ShowField(value string, max int) string {
	return Show(value, CheckField("", "", "", value, max, "") == nil)
}
