// Package credentials finds an App Store Connect API key where the tools
// people already use keep it: ascjwt's own ASC_* variables, fastlane's,
// spaceship's and Codemagic's, a fastlane API key JSON file, and the
// AuthKey_<KEYID>.p8 folders xcrun altool searches. It is App Store Connect
// tooling, not the core, as x/oauth2 keeps Google's credential discovery in
// its google package.
//
// The happy path is two lines:
//
//	cfg, err := credentials.FromEnv()
//	src, err := ascjwt.NewTokenSource(cfg)
//
// [Load] takes the caller's own flags, the names to suggest for them, and
// the environment and folders to read, for commands and tests. Every ID and
// path is checked before anything is printed, and no error or notice holds
// key material or quotes a refused value.
//
// # Where a key is looked for
//
// The first source that sets a value wins; when two disagree, [Load] says
// which one won, and a key ID with a key (or fastlane JSON) made for another
// key ID is refused with [ErrConflict], since Apple would refuse every token
// they make. In order:
//
//  1. The caller's flags ([Given]): key ID, issuer ID, key file, API key JSON.
//  2. Variables: ascjwt's ASC_KEY_ID, ASC_ISSUER_ID and ASC_PRIVATE_KEY (PEM
//     or base64), ASC_PRIVATE_KEY_B64 or ASC_PRIVATE_KEY_PATH; fastlane's
//     APP_STORE_CONNECT_API_KEY_* (KEY_ID, ISSUER_ID, KEY with
//     IS_KEY_CONTENT_BASE64, KEY_FILEPATH, DURATION in seconds, IN_HOUSE for
//     the Enterprise audience); spaceship's SPACESHIP_CONNECT_API_*; and
//     Codemagic's APP_STORE_CONNECT_KEY_IDENTIFIER, APP_STORE_CONNECT_ISSUER_ID
//     and APP_STORE_CONNECT_PRIVATE_KEY, whose values may be @file:PATH or
//     @env:NAME references.
//  3. A fastlane API key JSON (key_id, issuer_id, key, filepath, duration,
//     in_house), named by the caller, ASC_API_KEY_JSON or
//     APP_STORE_CONNECT_API_KEY_PATH.
//  4. AuthKey_<KEYID>.p8 in $API_PRIVATE_KEYS_DIR, ./private_keys,
//     ~/private_keys, ~/.private_keys and ~/.appstoreconnect/private_keys
//     (where xcrun altool looks): the key ID comes from the file name when no
//     source sets one, and with neither key ID nor key set, the only key
//     these folders hold is used (several are refused, listing the files).
//
// An empty issuer ID means an individual key. A key may be Apple's .p8 file,
// a SEC1 EC PRIVATE KEY PEM, the bare base64 body or base64 of the whole
// file, with CRLF line ends or literal \n sequences; anything else is
// refused with an error that says what it is (encrypted, a public key, RSA,
// the wrong curve) and never quotes the key. `ascjwt help environment`
// prints the same list.
package credentials
