// Command ascjwt makes, inspects and uses App Store Connect API tokens from
// the shell:
//
//	ascjwt token                  print a signed token (for curl -H "Authorization: Bearer $(ascjwt token)")
//	ascjwt api /v1/apps           call the API, like gh api
//	ascjwt decode [TOKEN|-]       show a token's header and claims, and verify it with --key
//	ascjwt keygen                 make a new P-256 key in Apple's .p8 form
//	ascjwt demo                   run a fake API in the process and show the package at work
//
// Credentials come from flags, then the environment variables App Store
// Connect tooling already uses (ASC_*, fastlane, spaceship, Codemagic), then
// a fastlane API key JSON file, then AuthKey_<KEYID>.p8 in the folders xcrun
// altool searches: see ascjwt.LoadConfig.
//
// Data goes to stdout and messages to stderr. The exit status is 0 on
// success, 1 on failure and 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, &system{ctx: ctx})
	stop()
	os.Exit(code)
}

// system is what a command takes from the world beyond its arguments and
// standard streams. Tests fill it in to run every subcommand in the process,
// against an asctest server, in temporary directories; zero fields mean the
// real thing.
type system struct {
	ctx       context.Context
	lookupEnv func(string) (string, bool) // nil: os.LookupEnv
	homeDir   string                      // empty: os.UserHomeDir
	workDir   string                      // empty: the process's working directory
	client    *http.Client                // the base client for api; nil: http.DefaultClient
	now       func() time.Time            // nil: time.Now
}

// cmd is one run of a subcommand: its streams and the system.
type cmd struct {
	*system
	stdin          io.Reader
	stdout, stderr io.Writer
}

// subcommand runs with the arguments after its name.
type subcommand struct {
	name    string
	summary string
	run     func(c *cmd, args []string) error
}

func subcommands() []subcommand {
	return []subcommand{
		{"token", "print one signed token", (*cmd).token},
		{"api", "call the App Store Connect API (or the App Store Server API) and print the JSON", (*cmd).api},
		{"decode", "show a token's header and claims; verify it with --key", (*cmd).decode},
		{"keygen", "make a new P-256 key as AuthKey_<KEYID>.p8", (*cmd).keygen},
		{"demo", "run a fake API in this process and show the package at work", (*cmd).demo},
	}
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError is a mistake in how the command was called: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// run runs the command line args and returns the exit status. It never
// panics: a bug shows as a message and status 1, not a stack trace.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, sys *system) (code int) {
	if sys == nil {
		sys = &system{}
	}
	s := *sys
	if s.ctx == nil {
		s.ctx = context.Background()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.lookupEnv == nil {
		s.lookupEnv = os.LookupEnv
	}
	c := &cmd{system: &s, stdin: stdin, stdout: stdout, stderr: stderr}
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "ascjwt: internal error: %v\n", p)
			code = exitFail
		}
	}()

	if len(args) == 0 {
		c.usage()
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(rest) == 1 && name == "help" {
			if sc, ok := lookup(rest[0]); ok {
				return c.exit(sc.name, sc.run(c, []string{"--help"}))
			}
			fmt.Fprintf(stderr, "ascjwt: no subcommand %q\n", rest[0])
			return exitUsage
		}
		c.usage()
		return exitOK
	}
	sc, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "ascjwt: unknown subcommand %q; run 'ascjwt --help' for the list\n", name)
		return exitUsage
	}
	return c.exit(sc.name, sc.run(c, rest))
}

func lookup(name string) (subcommand, bool) {
	for _, sc := range subcommands() {
		if sc.name == name {
			return sc, true
		}
	}
	return subcommand{}, false
}

// exit prints err and maps it to an exit status.
func (c *cmd) exit(name string, err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK // the flag package printed the usage
	case err == errFlagReported:
		// The flag package printed the message.
		fmt.Fprintf(c.stderr, "run 'ascjwt %s --help' for usage\n", name)
		return exitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "%s\nrun 'ascjwt %s --help' for usage\n", prefixed(name, ue.msg), name)
		return exitUsage
	case errors.Is(err, errReported):
		return exitFail
	}
	fmt.Fprintln(c.stderr, prefixed(name, err.Error()))
	return exitFail
}

// prefixed starts msg with "ascjwt <name>: " unless it names the package
// already, as the package's own errors do.
func prefixed(name, msg string) string {
	if strings.HasPrefix(msg, "ascjwt") {
		return msg
	}
	return "ascjwt " + name + ": " + msg
}

// errReported is a failure whose message a subcommand already printed.
var errReported = errors.New("reported")

func (c *cmd) usage() {
	fmt.Fprint(c.stderr, `ascjwt makes and uses App Store Connect API tokens.

Usage:
  ascjwt <subcommand> [flags] [arguments]

Subcommands:
`)
	for _, sc := range subcommands() {
		fmt.Fprintf(c.stderr, "  %-8s %s\n", sc.name, sc.summary)
	}
	fmt.Fprint(c.stderr, `
Run 'ascjwt <subcommand> --help' for its flags.

Credentials, first found wins: flags (--key-id, --issuer-id, --key,
--api-key-json); ASC_KEY_ID, ASC_ISSUER_ID, ASC_PRIVATE_KEY (PEM or base64),
ASC_PRIVATE_KEY_B64, ASC_PRIVATE_KEY_PATH; fastlane's APP_STORE_CONNECT_API_KEY_*;
spaceship's SPACESHIP_CONNECT_API_*; Codemagic's APP_STORE_CONNECT_KEY_IDENTIFIER,
APP_STORE_CONNECT_ISSUER_ID, APP_STORE_CONNECT_PRIVATE_KEY; a fastlane API key
JSON (--api-key-json, ASC_API_KEY_JSON, APP_STORE_CONNECT_API_KEY_PATH); and
AuthKey_<KEYID>.p8 in $API_PRIVATE_KEYS_DIR, ./private_keys, ~/private_keys,
~/.private_keys or ~/.appstoreconnect/private_keys.

Exit status: 0 success, 1 failure, 2 usage error.
`)
}

// flags is a subcommand's flag set and the text of its --help.
type flags struct {
	*flag.FlagSet
	c                     *cmd
	synopsis, description string
}

// newFlags returns a flag set that reports to stderr and returns errors.
func (c *cmd) newFlags(name, synopsis, description string) *flags {
	fs := flag.NewFlagSet("ascjwt "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	// The flag package calls Usage for -help and after each error; parse
	// prints the usage for -help only, so that a mistyped flag gets one
	// line and a hint rather than a page.
	fs.Usage = func() {}
	return &flags{FlagSet: fs, c: c, synopsis: synopsis, description: description}
}

// usage prints the --help text: synopsis, description and flags, with the
// flags written the way the examples write them ("--key-id").
func (f *flags) usage() {
	w := f.c.stderr
	fmt.Fprintf(w, "Usage: %s %s\n\n%s\n", f.Name(), f.synopsis, strings.TrimSpace(f.description))
	first := true
	f.VisitAll(func(fl *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nFlags:")
			first = false
		}
		arg, text := flag.UnquoteUsage(fl)
		dashes := "--"
		if len(fl.Name) == 1 {
			dashes = "-"
		}
		line := "  " + dashes + fl.Name
		if arg != "" {
			line += " " + arg
		}
		switch fl.DefValue {
		case "", "false", "0", "[]":
		default:
			text += fmt.Sprintf(" (default %s)", fl.DefValue)
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, text)
	})
}

// parse parses args and returns the positional arguments. Flags may come
// after them too ("ascjwt api /v1/apps --paginate", as with gh), which the
// flag package alone does not allow; everything after "--" is positional.
// The flag package's own errors, which it has printed already, become
// errFlagReported.
func (f *flags) parse(args []string) ([]string, error) {
	var positional []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.usage()
				return nil, err
			}
			return nil, errFlagReported
		}
		rest := f.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// errFlagReported is a flag error the flag package printed already.
var errFlagReported = &usageError{"invalid flags"}

// isSet reports whether the flag was given on the command line.
func (f *flags) isSet(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ", ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
