package main

import (
	"errors"
	"flag"
	"strings"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/credentials"
)

// credFlags are the flags that say which key signs, shared by token and api.
type credFlags struct {
	keyID, issuerID, key, apiKeyJSON string
	bundleID, audience               string
}

func (f *credFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.keyID, "key-id", "", "the key's `ID`, e.g. 2X9R4HXF34 (else from the environment, the API key JSON or the key file's name)")
	fs.StringVar(&f.issuerID, "issuer-id", "", "the team's issuer `ID`; omit for an individual key")
	fs.StringVar(&f.key, "key", "", "the private key `file`, AuthKey_<KEYID>.p8")
	fs.StringVar(&f.apiKeyJSON, "api-key-json", "", "a fastlane API key JSON `file` (key_id, issuer_id, key, ...)")
	fs.StringVar(&f.bundleID, "bundle-id", "", "the app's bundle `ID`, for the App Store Server API (the bid claim)")
	fs.Var(newChoice(&f.audience, "", ascjwt.AudienceAppStoreConnect, ascjwt.AudienceEnterprise), "audience",
		"the aud `claim` (default "+ascjwt.AudienceAppStoreConnect+"; "+ascjwt.AudienceEnterprise+" for the Enterprise Program API)")
}

// config finds the credentials and applies the flags that are not part of
// them. A missing key ID or key is a usage error: the fix is a flag. Any
// other mistake in them (a key that does not load, a bad ID) is a
// configuration error: exit 2 as well.
func (c *cmd) config(f *credFlags) (ascjwt.Config, error) {
	if looksLikeKeyContents(f.key) {
		return ascjwt.Config{}, usagef("--key takes the name of a key file, and its value looks like a key's contents; put the contents in ASC_PRIVATE_KEY instead")
	}
	cfg, err := credentials.Load(credentials.Options{
		Given:     credentials.Given{KeyID: f.keyID, IssuerID: f.issuerID, KeyFile: f.key, APIKeyJSON: f.apiKeyJSON},
		FlagNames: credentials.FlagNames{KeyID: "--key-id", IssuerID: "--issuer-id", KeyFile: "--key", APIKeyJSON: "--api-key-json"},
		LookupEnv: c.lookupEnv,
		HomeDir:   c.homeDir,
		WorkDir:   c.workDir,
		Notify:    func(msg string) { c.note("%s", msg) },
	})
	if errors.Is(err, credentials.ErrNotFound) {
		return cfg, &usageError{err.Error()}
	}
	if err != nil {
		return cfg, &configError{err}
	}
	if f.bundleID != "" {
		cfg.BundleID = f.bundleID
	}
	if f.audience != "" {
		cfg.Audience = f.audience
	}
	cfg.Now = c.now
	return cfg, nil
}

// newTokenSource is ascjwt.NewTokenSource with its errors marked as
// configuration mistakes: everything it refuses (an audience, a scope, a
// lifetime Apple would refuse) is fixed by changing a flag or a setting.
func newTokenSource(cfg ascjwt.Config) (ascjwt.TokenSource, error) {
	src, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		return nil, &configError{err}
	}
	return src, nil
}

// looksLikeKeyContents reports whether a file name is a PEM or a long
// base64 run instead: a key pasted where its file name goes.
func looksLikeKeyContents(name string) bool {
	return strings.Contains(name, "-----BEGIN") || strings.Contains(name, "\n") || strings.HasPrefix(name, "MIG") && len(name) > 100
}
