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
package credentials
