// Package configcheck checks what the constructors of the API packages
// (apns, maps, musickit, weatherkit, signinwithapple) share: Apple's
// 10-character key and Team IDs, a token's lifetime between a floor and a
// limit, and the printing of a Config that holds a private key; for the
// developer tokens of MusicKit and WeatherKit, [DeveloperKey] turns a
// Config, checked, into the [devtoken.Spec] of its tokens. Each package
// passes its name (which starts every error), what to set a field to, and
// the title of the Apple page a limit comes from, so that the errors read as
// that package's.
//
// No error quotes a refused value: it may be a secret in the wrong place.
package configcheck

import (
	"crypto"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/jws"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// IDLen is the length of Apple's key IDs and Team IDs, which every page
// calls "10-character" identifiers.
const IDLen = 10

// CheckID refuses a key ID or Team ID (the field Config.name) that is not
// 10 upper-case letters and digits, the form Apple gives them in. pkg
// starts the error, want says what to set the field to, and source, when
// not empty, is the title of the Apple page that says so. The common
// mistakes are named: a private key pasted in, white space around the ID,
// an App Store Connect issuer ID (a UUID) where the Team ID goes.
func CheckID(pkg, name, value, want, source string) error {
	if source != "" {
		source = " (" + source + ")"
	}
	if err := checkPasted(pkg, name, value, want); err != nil {
		return err
	}
	if len(value) != IDLen {
		issuer := ""
		if len(value) == 36 && strings.Count(value, "-") == 4 {
			issuer = ", and has the shape of an App Store Connect issuer ID"
		}
		return fmt.Errorf("%s: Config.%s is %s long, not the %d characters Apple's IDs have%s%s; set it to %s", pkg, name, redact.Bytes(len(value)), IDLen, source, issuer, want)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			what := "a character other than A-Z and 0-9"
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				what = "white space"
			case 'a' <= c && c <= 'z':
				what = "a lower-case letter, a character other than A-Z and 0-9"
			}
			return fmt.Errorf("%s: Config.%s holds %s, but Apple's IDs are upper-case letters and digits%s; set it to %s", pkg, name, what, source, want)
		}
	}
	return nil
}

// CheckIDs checks a developer-token Config's KeyID and then its TeamID
// ([CheckID]), the two IDs every such Config starts with, so that a Config
// with both wrong names its KeyID first in every package. keyWant and
// teamWant say what to set each to; source is as for CheckID.
func CheckIDs(pkg, source, keyID, keyWant, teamID, teamWant string) error {
	if err := CheckID(pkg, "KeyID", keyID, keyWant, source); err != nil {
		return err
	}
	return CheckID(pkg, "TeamID", teamID, teamWant, source)
}

// checkPasted refuses, in the field Config.name, the mistakes of copying an
// ID into place that every ID check names first: nothing, a private key
// pasted in, white space around the value (from a web page or a file,
// which Apple refuses without saying why).
func checkPasted(pkg, name, value, want string) error {
	switch {
	case value == "":
		return fmt.Errorf("%s: Config.%s is empty; set it to %s", pkg, name, want)
	case redact.LooksLikeKey(value):
		return fmt.Errorf("%s: Config.%s holds %s; set it to %s, and the key itself in Config.PrivateKey", pkg, name, redact.Describe(value), want)
	case strings.TrimSpace(value) != value:
		return fmt.Errorf("%s: Config.%s holds white space around it; remove it", pkg, name)
	}
	return nil
}

// Lifetimes are a package's limits on exp - iat.
type Lifetimes struct {
	// Default is the lifetime of a Config.Lifetime of zero; Min and Max
	// bound any other.
	Default, Min, Max time.Duration
	// Backdate is how far iat is set back for clock skew, which the
	// minimum leaves room for.
	Backdate time.Duration
	// OverMax says, after "Config.Lifetime 1h is over", whose limit Max
	// is and what happens past it.
	OverMax string
}

// CheckLifetime returns d, or l.Default for zero, or an error (starting
// with pkg) that says which limit d is outside and why.
func CheckLifetime(pkg string, d time.Duration, l Lifetimes) (time.Duration, error) {
	switch {
	case d == 0:
		return l.Default, nil
	case d < 0:
		return 0, fmt.Errorf("%s: Config.Lifetime %s is negative; leave it zero for the default %s", pkg, d, l.Default)
	case d < l.Min:
		return 0, fmt.Errorf("%s: Config.Lifetime %s is too short: iat is set %s back for clock skew and a token is replaced before its last minute, so use at least %s", pkg, d, l.Backdate, l.Min)
	case d > l.Max:
		return 0, fmt.Errorf("%s: Config.Lifetime %s is over %s", pkg, d, l.OverMax)
	}
	return d, nil
}

// Signer checks key and returns the signer of a package's tokens, with
// keyID as kid and the header h. A key that cannot sign ES256 is refused
// with an error that starts with pkg and names Config.PrivateKey; call it
// where the key is checked, before the lifetime, so that a Config with
// several mistakes names the same one first in every package.
func Signer(pkg string, key crypto.Signer, keyID string, h jws.Header) (*jws.Signer, error) {
	signer, err := jws.NewSignerWith(key, keyID, h) // checks the key first (jws.CheckKey)
	if err != nil {
		return nil, fmt.Errorf("%s: Config.PrivateKey: %w", pkg, err)
	}
	return signer, nil
}

// Clock returns now, or [time.Now] for nil: a Config's Now.
func Clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// Show quotes a Config field that its constructor accepts (valid), or an
// empty one, and describes any other in angle brackets, so that a Config
// printed in a log shows which key it is for and nothing pasted in by
// mistake.
func Show(value string, valid bool) string {
	if value == "" || valid {
		return strconv.Quote(value)
	}
	return "<" + redact.Describe(value) + ">"
}

// ShowID is [Show] for a key ID or Team ID.
func ShowID(value string) string { return Show(value, CheckID("", "", value, "", "") == nil) }
