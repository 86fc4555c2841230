// Command ascjwt makes, inspects and uses App Store Connect API tokens from
// the shell:
//
//	ascjwt token                  print a signed token (for curl -H "Authorization: Bearer $(ascjwt token)")
//	ascjwt api /v1/apps           call the API, like gh api
//	ascjwt decode [TOKEN|-]       show a token's header and claims, and verify it with --key
//	ascjwt verify [SIGNED|-]      verify what the App Store signs (notifications, transactions) and print it
//	ascjwt keygen                 make a new P-256 key in Apple's .p8 form
//	ascjwt sign promotional-offer print a signature StoreKit takes, made with the In-App Purchase key
//	ascjwt serve [--api NAME]     run a fake Apple API on loopback, for tests in any language
//	ascjwt demo                   run a fake API in the process and show the package at work
//	ascjwt completion bash        print a completion script (bash, zsh, fish or powershell)
//	ascjwt version                print the module and Go versions
//
// Credentials come from flags, then the environment variables App Store
// Connect tooling already uses (ASC_*, fastlane, spaceship, Codemagic), then
// a fastlane API key JSON file, then AuthKey_<KEYID>.p8 in the folders xcrun
// altool searches: see credentials.Load, and 'ascjwt help environment'.
//
// Data goes to stdout and messages to stderr; help asked for goes to
// stdout. The exit status is 0 on success, 1 when the work fails (Apple
// refuses, a token does not verify) and 2 on a usage or configuration
// mistake.
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
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/redact"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, &system{ctx: ctx, stderrIsTerminal: isTerminal(os.Stderr)})
	stop()
	os.Exit(code)
}

// isTerminal returns a check of whether f is a terminal (a character
// device), made once: progress lines are for people, not for logs.
func isTerminal(f *os.File) func() bool {
	fi, err := f.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0
	return func() bool { return tty }
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
	// stderrIsTerminal says whether messages go to a person watching, who
	// gets progress lines; nil: never (main sets the real check).
	stderrIsTerminal func() bool
	// shutdownGrace is how long serve lets requests in flight finish
	// once told to stop; zero: defaultShutdownGrace.
	shutdownGrace time.Duration
}

// cmd is one run of a subcommand: its streams and the system.
type cmd struct {
	*system
	stdin          io.Reader
	stdout, stderr io.Writer
	// collect, when set, receives the subcommand's flags in place of a
	// run: completion scripts are made from the same definitions as the
	// flags themselves, so they cannot drift apart.
	collect func(*flags)
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
		{"verify", "verify a notification or transaction the App Store signed and print it", (*cmd).verify},
		{"keygen", "make a new P-256 key as AuthKey_<KEYID>.p8", (*cmd).keygen},
		{"sign", "sign what StoreKit takes: promotional offers, introductory-offer eligibility, Advanced Commerce", (*cmd).sign},
		{"serve", "run a fake Apple API on loopback (App Store Connect, APNs, ...) for tests in any language", (*cmd).serve},
		{"demo", "run a fake API in this process and show the package at work", (*cmd).demo},
		{"completion", "print a shell completion script: bash, zsh, fish or powershell", (*cmd).completion},
		{"version", "print the module and Go versions", (*cmd).version},
	}
}

// Exit statuses. Each means one thing, so that scripts can branch on it.
const (
	exitOK    = 0 // the work was done
	exitFail  = 1 // the work failed: Apple refused, a token does not verify
	exitUsage = 2 // the command was called or configured wrongly
)

// usageError is a mistake in how the command was called: exit status 2,
// with a pointer to --help.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// configError is a mistake in the credentials or settings (a key that does
// not load, a lifetime over Apple's limit): exit status 2, like a usage
// error, but --help would not help.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

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
	if s.stderrIsTerminal == nil {
		s.stderrIsTerminal = func() bool { return false }
	}
	c := &cmd{system: &s, stdin: stdin, stdout: stdout, stderr: stderr}
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "ascjwt: internal error: %s\n", escapeText(fmt.Sprint(p)))
			code = exitFail
		}
	}()

	if len(args) == 0 {
		c.usage(c.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help":
		return c.help(rest)
	case "-h", "-help", "--help":
		c.usage(c.stdout)
		return exitOK
	case "-version", "--version", "-V":
		name = "version"
	}
	sc, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "ascjwt: unknown subcommand %s; run 'ascjwt --help' for the list\n", describeArg(name))
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

// exit prints err and maps it to an exit status. Every message passes
// through escapeText: parts of it may have come from a server or a token.
func (c *cmd) exit(name string, err error) int {
	var ue *usageError
	var ce *configError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK // parse printed the usage
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "%s\nrun 'ascjwt %s --help' for usage\n", escapeText(prefixed(name, ue.msg)), name)
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintln(c.stderr, escapeText(prefixed(name, ce.Error())))
		return exitUsage
	case errors.Is(err, errReported):
		return exitFail
	}
	fmt.Fprintln(c.stderr, escapeText(prefixed(name, err.Error())))
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

// usage prints the overview: on stdout when asked for, on stderr after a
// mistake.
func (c *cmd) usage(w io.Writer) {
	fmt.Fprint(w, `ascjwt makes and uses App Store Connect API tokens.

Usage:
  ascjwt <subcommand> [flags] [arguments]

Subcommands:
`)
	for _, sc := range subcommands() {
		fmt.Fprintf(w, "  %-12s %s\n", sc.name, sc.summary)
	}
	fmt.Fprint(w, `
Credentials come from flags (--key-id, --issuer-id, --key, --api-key-json),
else from the variables fastlane, spaceship, Codemagic and ascjwt use, else
from AuthKey_<KEYID>.p8 in xcrun altool's key folders.
`)
	writeTopics(w)
	fmt.Fprint(w, `
Run 'ascjwt help <subcommand>' or 'ascjwt <subcommand> --help' for its flags,
'ascjwt help environment' for the variables, 'ascjwt --version' for the
version.

Data goes to stdout, messages to stderr. Exit status: 0 success; 1 the work
failed (Apple refused, a token does not verify); 2 a usage or configuration
mistake (a flag, a missing or bad key, a lifetime or scope Apple would refuse).
`)
}

// flags is a subcommand's flag set and the text of its --help.
type flags struct {
	*flag.FlagSet
	c                     *cmd
	name                  string // the subcommand
	synopsis, description string
	long                  map[string]string // a one-letter alias -> the flag it stands for
}

// newFlags returns a flag set that keeps quiet and returns errors: parse
// returns the flag package's own message as a usage error, and the usage
// is printed only when asked for.
func (c *cmd) newFlags(name, synopsis, description string) *flags {
	fs := flag.NewFlagSet("ascjwt "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{FlagSet: fs, c: c, name: name, synopsis: synopsis, description: description, long: map[string]string{}}
}

// alias records that the one-letter flag short is another name for long
// (both defined on the same variable), so that --help shows them on one
// line, "-X, --method".
func (f *flags) alias(short, long string) { f.long[short] = long }

// shortFor returns the one-letter alias of the flag name, if any.
func (f *flags) shortFor(name string) string {
	for s, l := range f.long {
		if l == name {
			return s
		}
	}
	return ""
}

// dashed writes a flag name the way the help and the examples do:
// "--key-id", and "-X" for a one-letter flag.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// usage prints the --help text on stdout: synopsis, description and flags.
// The flag package's own printer would write "-key-id"; the examples write
// "--key-id", and so does this.
func (f *flags) usage() {
	w := f.c.stdout
	fmt.Fprintf(w, "Usage: %s %s\n\n%s\n", f.Name(), f.synopsis, strings.TrimSpace(f.description))
	first := true
	f.VisitAll(func(fl *flag.Flag) {
		if _, isAlias := f.long[fl.Name]; isAlias {
			return // shown with its long name
		}
		if first {
			fmt.Fprintln(w, "\nFlags:")
			first = false
		}
		arg, text := flag.UnquoteUsage(fl)
		line := "  " + dashed(fl.Name)
		if s := f.shortFor(fl.Name); s != "" {
			line = "  " + dashed(s) + ", " + dashed(fl.Name)
		}
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

// errCollected ends a subcommand whose flags were wanted and not its work
// (see cmd.collect).
var errCollected = errors.New("flags collected")

// parseFlagsOnly parses args of a subcommand that takes no positional
// argument, refusing one with the subcommand's name.
func (f *flags) parseFlagsOnly(args []string) error {
	rest, err := f.parse(args)
	if err == nil && len(rest) > 0 {
		err = usagef("unexpected argument %s; %s takes only flags", describeArg(rest[0]), f.name)
	}
	return err
}

// parse parses args and returns the positional arguments. Flags may come
// after them too ("ascjwt api /v1/apps --paginate", as with gh), which the
// flag package alone does not allow; everything after "--" is positional.
func (f *flags) parse(args []string) ([]string, error) {
	if f.c.collect != nil {
		f.c.collect(f)
		return nil, errCollected
	}
	var positional []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.usage()
				return nil, err
			}
			return nil, &usageError{flagMessage(err, args)}
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

// flagMessage is the flag package's error as it gives it, but for any
// argument in it that could be a secret, which is described: a value in the
// wrong place may be a token pasted after --lifetime or a key where a file
// name goes, and the flag package quotes what it rejects. A short printable
// word (a typo, "5x", "---x") is left as the flag package shows it.
func flagMessage(err error, args []string) string {
	msg := err.Error()
	var parts []string
	for _, a := range args {
		parts = append(parts, a, strings.TrimLeft(a, "-"))
		if name, value, ok := strings.Cut(a, "="); ok {
			parts = append(parts, strings.TrimLeft(name, "-"), value)
		}
	}
	// Longest first, so that a part is never left half shown by a shorter
	// one replaced inside it.
	slices.SortFunc(parts, func(a, b string) int { return len(b) - len(a) })
	for _, p := range parts {
		if p == "" || len(p) <= maxShownArg && printableASCII(p) && !redact.LooksLikeKey(p) {
			continue
		}
		shown := describeArg(p)
		msg = strings.ReplaceAll(msg, strconv.Quote(p), shown)
		msg = strings.ReplaceAll(msg, p, shown)
	}
	return msg
}

// maxShownArg is the longest argument a flag error shows as given: no
// token or key is this short.
const maxShownArg = 40

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// safeArg is what describeArg quotes as is: a short word of the kinds a
// mistyped subcommand, flag or path is made of.
var safeArg = regexp.MustCompile(`^-{0,2}[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$`)

// describeArg quotes a rejected argument when it is a short word, and
// otherwise describes it: it may be a token or a key in the wrong place.
func describeArg(s string) string {
	if safeArg.MatchString(s) {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("(an argument of %d bytes, not shown)", len(s))
}

// isSet reports whether the flag was given on the command line.
func (f *flags) isSet(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// choice is a string flag with the values a completion script offers for
// it. It takes any value: what is wrong with another is for the code that
// uses it to say (NewTokenSource names an audience Apple would refuse).
type choice struct {
	p       *string
	choices []string
}

// newChoice returns a choice flag value on p, which starts as def.
func newChoice(p *string, def string, choices ...string) *choice {
	*p = def
	return &choice{p, choices}
}

func (c *choice) String() string {
	if c == nil || c.p == nil {
		return "" // the flag package's zero value, for its default check
	}
	return *c.p
}

func (c *choice) Set(v string) error { *c.p = v; return nil }

// Choices are the values completion offers.
func (c *choice) Choices() []string { return c.choices }

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ", ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
