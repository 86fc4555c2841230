package credentials

import (
	"errors"

	"github.com/ascjwt/ascjwt"
)

// ErrNotFound is wrapped by the errors of [FromEnv] and [Load]
// when no source names a key ID or a private key. Test it with errors.Is to
// tell "not configured" (skip a test, fall back to other auth) from
// "configured wrongly" (a file that does not load, a value that does not
// parse), which is always worth reporting.
var ErrNotFound = errors.New("credentials: no App Store Connect API key configured")

// ErrConflict is wrapped by the errors of [FromEnv] and
// [Load] when the sources name different keys and none can be chosen
// safely: a key ID from one source and a key file named for another key ID
// (AuthKey_<KEYID>.p8) from another, or a key whose own source (a fastlane
// API key JSON, a tool's variables) gives another key ID, or no key ID and
// AuthKey files of several key IDs in the key folders. Either would sign tokens Apple refuses
// with a bare 401, so it is refused at once. Like [ErrNotFound] it is a
// mistake in the set-up that the user fixes (a command exits with its usage
// status); the message says which sources or files disagree.
var ErrConflict = errors.New("credentials: credential sources name different keys")

// Given are the parts of an API key a caller was given itself, typically by
// command-line flags. Every field is optional; a set field wins over every
// other source in [Load].
type Given struct {
	// KeyID is the key's ID, e.g. "2X9R4HXF34".
	KeyID string
	// IssuerID is the team's issuer ID; leave it empty for an individual key.
	IssuerID string
	// KeyFile is the path of the private key, usually AuthKey_<KEYID>.p8.
	KeyFile string
	// APIKeyJSON is the path of a fastlane API key JSON file.
	APIKeyJSON string
}

// FlagNames are what users type to set each field of [Given], such as
// "--key-id", so that errors can suggest them.
type FlagNames struct {
	KeyID, IssuerID, KeyFile, APIKeyJSON string
}

// Options tell [Load] what the caller knows and where to look. The
// zero value looks in the process environment, working directory and home
// directory, as [FromEnv] does.
type Options struct {
	// Given are values the caller was given explicitly; each set field wins
	// over the environment and files.
	Given Given
	// FlagNames are what users type to set each field of Given, e.g.
	// FlagNames{KeyID: "--key-id"}. Errors suggest the names set here, so a
	// library caller without flags leaves it empty and errors name only
	// environment variables and files.
	FlagNames FlagNames
	// LookupEnv reads the environment; nil means os.LookupEnv. Tests pass a
	// map's lookup.
	LookupEnv func(key string) (string, bool)
	// HomeDir is where ~/private_keys and friends are; empty means
	// os.UserHomeDir().
	HomeDir string
	// WorkDir resolves relative paths and ./private_keys; empty means the
	// process's working directory.
	WorkDir string
	// Notify, when set, receives one message for each choice worth telling
	// the user about: two sources that disagree (and which one won), a
	// missing issuer ID. No message contains key material or a rejected
	// value; it comes only after every value has been checked. A command
	// prints them to stderr.
	Notify func(message string)
}

// FromEnv builds a [ascjwt.Config] from the environment variables and files
// that App Store Connect tooling already uses, so that code run under
// fastlane, Codemagic or a CI secret finds its key without new set-up. It is
// [Load] with zero [Options]; see [Load] for the sources and their
// order. Pass the result to [ascjwt.NewTokenSource], after setting Scope or BundleID
// if you need them.
func FromEnv() (ascjwt.Config, error) {
	return Load(Options{})
}

// Load builds a [ascjwt.Config] from these sources, in this order, the first
// that sets a value winning:
//
//  1. opts.Given;
//  2. the environment: ASC_KEY_ID, ASC_ISSUER_ID, ASC_PRIVATE_KEY (the key
//     itself, PEM or base64), ASC_PRIVATE_KEY_B64, ASC_PRIVATE_KEY_PATH; then
//     fastlane's APP_STORE_CONNECT_API_KEY_KEY_ID, _ISSUER_ID, _KEY,
//     _KEY_FILEPATH, _IS_KEY_CONTENT_BASE64, _DURATION and _IN_HOUSE; then
//     spaceship's SPACESHIP_CONNECT_API_KEY_ID, SPACESHIP_CONNECT_API_ISSUER_ID,
//     SPACESHIP_CONNECT_API_KEY, _KEY_FILEPATH, _TOKEN_DURATION and _IN_HOUSE;
//     then Codemagic's APP_STORE_CONNECT_KEY_IDENTIFIER,
//     APP_STORE_CONNECT_ISSUER_ID and APP_STORE_CONNECT_PRIVATE_KEY (whose
//     values may be "@file:PATH" or "@env:NAME", as in Codemagic's tools);
//  3. a fastlane API key JSON file (key_id, issuer_id, key, filepath,
//     is_key_content_base64, duration, in_house) named by opts.Given.APIKeyJSON,
//     ASC_API_KEY_JSON or APP_STORE_CONNECT_API_KEY_PATH;
//  4. when no source gives a key: AuthKey_<KEYID>.p8 in
//     $API_PRIVATE_KEYS_DIR, ./private_keys, ~/private_keys, ~/.private_keys
//     or ~/.appstoreconnect/private_keys, the folders xcrun altool searches,
//     in that order. With a key ID, the first file of that ID; with none, the
//     only key ID those folders hold (as after "ascjwt keygen --dir
//     ./private_keys").
//
// A key file named AuthKey_<KEYID>.p8 supplies the key ID when no source sets
// one; a key ID that names another key than the key file's name, or than the
// key ID the key's own source gives with it (a fastlane JSON's key_id, a
// tool's own key ID variable), is refused with an error wrapping
// [ErrConflict], as are key folders holding several key IDs when no source
// sets one. A key file that does not exist is reported as missing (the error
// matches [io/fs.ErrNotExist]), before its name is read for a key ID.
// Codemagic's @file: and @env: references are followed in Codemagic's own
// variables only; anywhere else one is refused as a reference. A duration becomes
// Lifetime (raised to [ascjwt.MinLifetime] if shorter), and in_house makes Audience
// [ascjwt.AudienceEnterprise]. Empty variables count as unset.
//
// Key and issuer IDs are checked before anything is printed: a value over 64
// bytes, one that looks like a private key or a file name, or one with
// characters other than letters, digits, '-', '_' and '.' is refused with an
// error that describes it without quoting it (swapped CI secrets put the key
// where the ID goes). Paths are checked likewise. Errors say which source
// held a bad value and, when nothing is found, name every place looked and
// wrap [ErrNotFound]. No error or notice contains key material.
func Load(opts Options) (ascjwt.Config, error) {
	l := newLoader(opts)
	if err := l.collect(); err != nil {
		return ascjwt.Config{}, err
	}
	return l.resolve()
}
