package configcheck

import (
	"fmt"
	"strings"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// MaxReverseDNSLen is the longest reverse-DNS identifier (a Services ID, a
// bundle ID) [CheckReverseDNS] accepts: a DNS name is at most 253 bytes.
const MaxReverseDNSLen = 253

// CheckReverseDNS refuses, in the field Config.name, what is not a
// reverse-DNS identifier of dot-separated parts of letters, digits and '-',
// the form Apple registers Services IDs and bundle IDs in. pkg starts the
// error and want says what to set the field to. It never quotes the value:
// a refused value may be a secret in the wrong place.
func CheckReverseDNS(pkg, name, v, want string) error {
	if err := checkPasted(pkg, name, v, want); err != nil {
		return err
	}
	switch {
	case len(v) > MaxReverseDNSLen:
		return fmt.Errorf("%s: Config.%s is %s, longer than a reverse-DNS identifier can be; set it to %s", pkg, name, redact.Bytes(len(v)), want)
	case !strings.Contains(v, ".") || strings.HasPrefix(v, ".") || strings.HasSuffix(v, ".") || strings.Contains(v, ".."):
		return fmt.Errorf("%s: Config.%s (%s) is not a reverse-DNS identifier of dot-separated parts; set it to %s", pkg, name, redact.Describe(v), want)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("%s: Config.%s holds a character other than letters, digits, '-' and '.'; set it to %s", pkg, name, want)
		}
	}
	return nil
}
