package main

import (
	"fmt"
	"io"
	"strings"
)

// helpTopic is a page of 'ascjwt help' that is not a subcommand's, kept out
// of the overview so that the overview stays a screenful, as gh keeps its
// variables in 'gh help environment'.
type helpTopic struct {
	name, summary, text string
}

func helpTopics() []helpTopic {
	return []helpTopic{
		{"environment", "the variables that hold credentials and settings", environmentHelp},
	}
}

func lookupTopic(name string) (helpTopic, bool) {
	for _, t := range helpTopics() {
		if t.name == name {
			return t, true
		}
	}
	return helpTopic{}, false
}

// help runs 'ascjwt help [NAME]': the overview, a subcommand's --help, or a
// topic, on stdout.
func (c *cmd) help(args []string) int {
	switch {
	case len(args) == 0:
		c.usage(c.stdout)
		return exitOK
	case len(args) > 1:
		fmt.Fprintln(c.stderr, "ascjwt help: want one subcommand or topic, e.g. 'ascjwt help api' or 'ascjwt help environment'")
		return exitUsage
	}
	if sc, ok := lookup(args[0]); ok {
		return c.exit(sc.name, sc.run(c, []string{"--help"}))
	}
	if t, ok := lookupTopic(args[0]); ok {
		fmt.Fprint(c.stdout, strings.TrimPrefix(t.text, "\n"))
		return exitOK
	}
	fmt.Fprintf(c.stderr, "ascjwt help: no subcommand %s; run 'ascjwt --help' for the subcommands and help topics\n", describeArg(args[0]))
	return exitUsage
}

// writeTopics lists the topics for the overview.
func writeTopics(w io.Writer) {
	fmt.Fprint(w, "\nHelp topics:\n")
	for _, t := range helpTopics() {
		fmt.Fprintf(w, "  %-12s %s\n", t.name, t.summary)
	}
}

// environmentHelp lists every variable ascjwt reads. The credential
// variables are the credentials package's (credentials.Load says which
// wins); TestEnvironmentHelpNamesEveryCredentialVariable keeps the two
// lists from drifting apart.
const environmentHelp = `
ascjwt reads these environment variables. A flag wins over each of them, and
a variable set but empty counts as unset (CI systems define variables for
secrets that a fork's build does not get).

Credentials, for token and api: the first source that gives a value wins.

  ascjwt's own:
    ASC_KEY_ID             the key's ID, e.g. 2X9R4HXF34
    ASC_ISSUER_ID          the team's issuer ID (a UUID); unset for an individual key
    ASC_PRIVATE_KEY        the key itself: the .p8 file's PEM, or its base64 body
    ASC_PRIVATE_KEY_B64    the .p8 file, base64-encoded
    ASC_PRIVATE_KEY_PATH   the .p8 file's path

  fastlane's app_store_connect_api_key:
    APP_STORE_CONNECT_API_KEY_KEY_ID, APP_STORE_CONNECT_API_KEY_ISSUER_ID,
    APP_STORE_CONNECT_API_KEY_KEY, APP_STORE_CONNECT_API_KEY_KEY_FILEPATH,
    APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64 (true: _KEY is base64),
    APP_STORE_CONNECT_API_KEY_DURATION (seconds, at most 1200),
    APP_STORE_CONNECT_API_KEY_IN_HOUSE (true: the Enterprise Program API)

  fastlane's spaceship:
    SPACESHIP_CONNECT_API_KEY_ID, SPACESHIP_CONNECT_API_ISSUER_ID,
    SPACESHIP_CONNECT_API_KEY, SPACESHIP_CONNECT_API_KEY_FILEPATH,
    SPACESHIP_CONNECT_API_TOKEN_DURATION, SPACESHIP_CONNECT_API_IN_HOUSE

  Codemagic's CLI tools (each value may be @file:PATH or @env:NAME):
    APP_STORE_CONNECT_KEY_IDENTIFIER, APP_STORE_CONNECT_ISSUER_ID,
    APP_STORE_CONNECT_PRIVATE_KEY

  A fastlane API key JSON file (key_id, issuer_id, key or filepath,
  is_key_content_base64, duration, in_house), after the variables above:
    ASC_API_KEY_JSON, APP_STORE_CONNECT_API_KEY_PATH

  When no source gives a key, AuthKey_<KEYID>.p8 in the folders xcrun altool
  searches, in this order:
    API_PRIVATE_KEYS_DIR, ./private_keys, ~/private_keys, ~/.private_keys,
    ~/.appstoreconnect/private_keys

  A key ID and a key that name different keys (a key file named for another
  ID, a fastlane JSON for another key) are refused, exit 2: Apple would
  refuse the tokens.

Settings:
    ASC_BASE_URL           the API api calls, when --base-url is not given
    ASC_CA_FILE            a PEM file of certificates api trusts beside the
                           system's, when --cacert is not given
    ASCJWT_DEBUG           1: api traces every request on stderr (method, URL,
                           status, the token's key ID and expiry, never the
                           token), as --verbose does

ascjwt serve prints and writes these for the fake it runs: ASC_BASE_URL,
ASC_KEY_ID, ASC_ISSUER_ID, ASC_PRIVATE_KEY_PATH and ASC_CA_FILE for App Store
Connect, and the same for the other fakes under their own prefix (see
'ascjwt serve --help').
`
