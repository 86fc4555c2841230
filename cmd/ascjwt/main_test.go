package main

import (
	"bytes"
	"crypto/ecdsa"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// harness runs the command in the process with its own environment, home
// and working directory, and checks every run for what must never happen:
// a panic, a stack trace, key material in the output.
type harness struct {
	t       *testing.T
	sys     *system
	env     map[string]string
	stdin   string
	secrets []string // strings of private keys that no output may hold
}

type result struct {
	code           int
	stdout, stderr string
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, env: map[string]string{}}
	h.sys = &system{
		lookupEnv: func(k string) (string, bool) { v, ok := h.env[k]; return v, ok },
		homeDir:   t.TempDir(),
		workDir:   t.TempDir(),
		now:       time.Now,
	}
	return h
}

func (h *harness) run(args ...string) result {
	h.t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(h.stdin), &stdout, &stderr, h.sys)
	r := result{code, stdout.String(), stderr.String()}
	all := r.stdout + r.stderr
	for _, bad := range []string{"panic", "goroutine ", "internal error"} {
		if strings.Contains(all, bad) {
			h.t.Fatalf("ascjwt %s: output holds %q:\n%s", strings.Join(args, " "), bad, all)
		}
	}
	for _, s := range h.secrets {
		if strings.Contains(all, s) {
			h.t.Fatalf("ascjwt %s: output holds key material:\n%s", strings.Join(args, " "), all)
		}
	}
	return r
}

// expect fails unless the run ended with code and its stderr says each of
// want.
func (r result) expect(t *testing.T, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Fatalf("stderr does not say %q:\n%s", w, r.stderr)
		}
	}
}

// stdoutSays reports each of want that stdout does not hold, naming what
// stdout is (the script, the topic).
func (r result) stdoutSays(t *testing.T, what string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, r.stdout)
		}
	}
}

// addKeyPEM writes key as a .p8 in the working directory and remembers its
// body as a secret.
func (h *harness) addKeyPEM(name string, key *ecdsa.PrivateKey) string {
	h.t.Helper()
	text := apitest.PEM(h.t, key)
	h.rememberSecret(text)
	p := filepath.Join(h.sys.workDir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *harness) rememberSecret(pemText string) {
	for _, line := range strings.Split(pemText, "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			h.secrets = append(h.secrets, line[:16])
		}
	}
}

// withServer starts an asctest server, makes its client the command's base
// client, writes its key where --key finds it, and returns the flags that
// name the key.
func (h *harness) withServer() (*asctest.Server, []string) {
	h.t.Helper()
	srv := asctest.NewServer()
	h.t.Cleanup(srv.Close)
	h.sys.client = srv.Client()
	k := srv.Key()
	path := h.addKeyPEM("AuthKey_"+k.ID+".p8", k.PrivateKey)
	return srv, []string{"--key-id", k.ID, "--issuer-id", k.IssuerID, "--key", path}
}

// TestHelpGoesToStdoutAndMistakesToStderr checks the conventions in the
// process, for every subcommand; TestBinaryHelpAndExitCodes checks them
// with the built binary.
func TestHelpGoesToStdoutAndMistakesToStderr(t *testing.T) {
	h := newHarness(t)
	r := h.run()
	r.expect(t, exitUsage, "Usage:", "token", "api", "decode", "keygen", "demo", "completion", "version")
	if r.stdout != "" {
		t.Errorf("a usage mistake wrote to stdout: %s", r.stdout)
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		r := h.run(args...)
		r.expect(t, exitOK)
		if !strings.Contains(r.stdout, "Usage:") || !strings.Contains(r.stdout, "Exit status") || r.stderr != "" {
			t.Errorf("%v: want the usage on stdout only\nstdout:\n%s\nstderr:\n%s", args, r.stdout, r.stderr)
		}
	}
	h.run("help", "nope").expect(t, exitUsage, `no subcommand "nope"`)
	h.run("frobnicate").expect(t, exitUsage, `unknown subcommand "frobnicate"`, "ascjwt --help")
	for _, sc := range subcommands() {
		for _, args := range [][]string{{sc.name, "--help"}, {sc.name, "-h"}, {sc.name, "-help"}, {"help", sc.name}} {
			r := h.run(args...)
			r.expect(t, exitOK)
			if !strings.HasPrefix(r.stdout, "Usage: ascjwt "+sc.name) || r.stderr != "" {
				t.Errorf("%v: want the usage on stdout only\nstdout:\n%s\nstderr:\n%s", args, r.stdout, r.stderr)
			}
			if regexp.MustCompile(`(?m)^  -[a-z][a-z]`).MatchString(r.stdout) {
				t.Errorf("%v: a flag shown with one dash:\n%s", args, r.stdout)
			}
		}
		r := h.run(sc.name, "--no-such-flag")
		r.expect(t, exitUsage, "ascjwt "+sc.name+": flag provided but not defined: -no-such-flag\n", "run 'ascjwt "+sc.name+" --help'")
		if strings.Contains(r.stderr, "Usage:") || r.stdout != "" {
			t.Errorf("a mistyped flag printed the usage, or wrote to stdout:\n%s%s", r.stdout, r.stderr)
		}
	}
}

// TestRejectedValuesAreNotQuoted: a token or key put where a word goes is
// described, never echoed.
func TestRejectedValuesAreNotQuoted(t *testing.T) {
	h := newHarness(t)
	secret := "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
	pemish := "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg\n-----END PRIVATE KEY-----"
	for _, args := range [][]string{
		{"token", secret},
		{secret},
		{"help", secret},
		{"token", "--lifetime", secret},
		{"token", "--key", pemish},
		{"token", pemish},
		{"keygen", "--key-id", secret},
		{"api", "-H", "Authorization Bearer " + secret, "/v1/apps"},
	} {
		r := h.run(args...)
		r.expect(t, exitUsage)
		if strings.Contains(r.stderr, "eyJ") || strings.Contains(r.stderr, "MIGTAgEA") {
			t.Errorf("%.20q...: the rejected value was echoed:\n%s", args, r.stderr)
		}
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	fs := (&cmd{system: &system{}, stderr: &bytes.Buffer{}}).newFlags("x", "", "")
	v := fs.Bool("v", false, "")
	rest, err := fs.parse([]string{"a", "-v", "b", "--", "-v"})
	if err != nil || !*v || strings.Join(rest, " ") != "a b -v" {
		t.Fatalf("rest %q, v %v, err %v", rest, *v, err)
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 42 * time.Second: "42s", 19*time.Minute + 30*time.Second: "19m 30s", 20 * time.Minute: "20m",
		2*time.Hour + 5*time.Minute + 3*time.Second: "2h 5m", 180 * 24 * time.Hour: "180d", -90 * time.Second: "-1m 30s",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestFlagErrorsAreTheFlagPackagesOwn: a flag mistake is printed in the
// flag package's words, with a pointer to --help, and nothing rewritten but
// a rejected value that could be a secret, which is described.
func TestFlagErrorsAreTheFlagPackagesOwn(t *testing.T) {
	b := newBin(t)
	token := "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "--frob"}, "ascjwt token: flag provided but not defined: -frob\nrun 'ascjwt token --help' for usage\n"},
		{[]string{"token", "--lifetime", "5x"}, "ascjwt token: invalid value \"5x\" for flag -lifetime: parse error\nrun 'ascjwt token --help' for usage\n"},
		{[]string{"token", "--lifetime=5x"}, "ascjwt token: invalid value \"5x\" for flag -lifetime: parse error\n"},
		{[]string{"api", "--max-pages", "many", "/v1/apps"}, "ascjwt api: invalid value \"many\" for flag -max-pages: parse error\n"},
		{[]string{"serve", "--http=maybe"}, "ascjwt serve: invalid boolean value \"maybe\" for -http: parse error\n"},
		{[]string{"token", "--key-id"}, "ascjwt token: flag needs an argument: -key-id\n"},
		{[]string{"token", "---x"}, "ascjwt token: bad flag syntax: ---x\n"},
		{[]string{"token", "--lifetime", token}, "ascjwt token: invalid value (an argument of 61 bytes, not shown) for flag -lifetime: parse error\n"},
		{[]string{"token", "--lifetime=" + token}, "ascjwt token: invalid value (an argument of 61 bytes, not shown) for flag -lifetime: parse error\n"},
		{[]string{"token", "-" + token}, "ascjwt token: flag provided but not defined: (an argument of 62 bytes, not shown)\n"},
	} {
		t.Run(strings.Join(tc.args, " ")[:min(40, len(strings.Join(tc.args, " ")))], func(t *testing.T) {
			r := b.run(tc.args...)
			r.expect(t, exitUsage)
			if !strings.HasPrefix(r.stderr, tc.want) || r.stdout != "" {
				t.Fatalf("stderr:\n%s\nwant it to start:\n%s", r.stderr, tc.want)
			}
			if strings.Contains(r.stderr, "eyJ") {
				t.Fatalf("the rejected token was echoed:\n%s", r.stderr)
			}
		})
	}
}
