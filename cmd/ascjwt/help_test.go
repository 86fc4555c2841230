package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestHelpEnvironmentIsATopic: 'ascjwt help environment' prints the
// variables on stdout, exit 0, and the overview names the topic instead of
// listing them.
func TestHelpEnvironmentIsATopic(t *testing.T) {
	b := newBin(t)
	r := b.run("help", "environment")
	r.expect(t, exitOK)
	if r.stderr != "" || !strings.HasPrefix(r.stdout, "ascjwt reads these environment variables.") {
		t.Fatalf("want the topic on stdout only:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	r.stdoutSays(t, "the topic", "ASC_PRIVATE_KEY_B64", "ASC_BASE_URL", "ASC_CA_FILE", "ASCJWT_DEBUG", "API_PRIVATE_KEYS_DIR", "@file:PATH")
	overview := b.run("--help")
	overview.expect(t, exitOK)
	if !strings.Contains(overview.stdout, "Help topics:\n  environment ") || !strings.Contains(overview.stdout, "'ascjwt help environment'") {
		t.Errorf("the overview does not name the topic:\n%s", overview.stdout)
	}
	if strings.Contains(overview.stdout, "ASC_PRIVATE_KEY_B64") || strings.Contains(overview.stdout, "SPACESHIP_") {
		t.Errorf("the overview still lists the variables:\n%s", overview.stdout)
	}
	b.run("help", "environment", "api").expect(t, exitUsage, "want one subcommand or topic")
	b.run("help", "environs").expect(t, exitUsage, `no subcommand "environs"`)
}

// TestEnvironmentHelpNamesEveryCredentialVariable reads the names of the
// variables the credentials package looks up from its source and finds
// each in the topic: a variable added there and not here fails.
func TestEnvironmentHelpNamesEveryCredentialVariable(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "credentials", "discover*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no credentials source found: %v", err)
	}
	name := regexp.MustCompile(`"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"`)
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range name.FindAllStringSubmatch(string(src), -1) {
			if !slices.Contains(names, m[1]) {
				names = append(names, m[1])
			}
		}
	}
	if len(names) < 24 {
		t.Fatalf("found %d variable names in the credentials source; the pattern has lost them: %v", len(names), names)
	}
	for _, n := range names {
		if !regexp.MustCompile(`\b` + n + `\b`).MatchString(environmentHelp) {
			t.Errorf("'ascjwt help environment' does not name %s, which the credentials package reads", n)
		}
	}
}
