package main

import (
	"fmt"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/claims"
)

func (c *cmd) token(args []string) error {
	fs := c.newFlags("token", "[flags]", `
Print one signed App Store Connect API token and a newline, and nothing else
on stdout, so that it can go straight into a header:

  curl -H "Authorization: Bearer $(ascjwt token)" https://api.appstoreconnect.apple.com/v1/apps

Notes about where the credentials came from go to stderr.`)
	var cf credFlags
	cf.register(fs.FlagSet)
	lifetime := fs.Duration("lifetime", ascjwt.DefaultLifetime, "how long the token lives: at most 20m, 60m with --bundle-id, 180 days (4320h) for a --scope of GETs on long-lived resources")
	var scopes stringList
	fs.Var(&scopes, "scope", "allow only this `request`, e.g. 'GET /v1/apps?filter[platform]=IOS'; repeat for more")
	if err := fs.parseFlagsOnly(args); err != nil {
		return err
	}
	// Flag mistakes are reported before any credential is looked for, so
	// that they show even where no key is set up.
	parsed, err := claims.ParseScopes(scopes)
	if err != nil {
		return usagef("--scope: %v", err)
	}
	if fs.isSet("lifetime") {
		if err := checkLifetime(*lifetime, cf.audience, parsed, cf.bundleID); err != nil {
			return err
		}
	}

	cfg, err := c.config(&cf)
	if err != nil {
		return err
	}
	// An unset --lifetime leaves a duration from fastlane's settings alone.
	if fs.isSet("lifetime") || cfg.Lifetime == 0 {
		cfg.Lifetime = *lifetime
	}
	cfg.Scope = scopes
	src, err := newTokenSource(cfg)
	if err != nil {
		return err
	}
	tok, err := src.Token(c.ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(c.stdout, tok.Value)
	return err
}

// checkLifetime refuses a --lifetime Apple would refuse, or that the token
// source cannot use, naming the rule.
func checkLifetime(d time.Duration, audience string, scopes []claims.Scope, bundleID string) error {
	if d < ascjwt.MinLifetime {
		return usagef("--lifetime %s is shorter than %s, the shortest a token source refreshes safely", d, claims.FormatDuration(ascjwt.MinLifetime))
	}
	if audience == "" {
		audience = ascjwt.AudienceAppStoreConnect
	}
	if limit, rule := claims.Limit(audience, scopes, bundleID); d > limit {
		return usagef("--lifetime %s is over Apple's limit of %s", claims.FormatDuration(d), rule)
	}
	return nil
}
