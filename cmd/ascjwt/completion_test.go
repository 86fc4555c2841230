package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// completionCases are command lines typed up to a tab, with what the tab
// must offer, in a folder holding AuthKey_2X9R4HXF34.p8 and a folder keys/:
// a flag's choices, file names where a file goes, folders where a folder
// goes, and nothing where an ID goes.
var completionCases = []struct {
	line string // ends where the tab is pressed; a trailing space starts a new word
	want []string
}{
	{"ascjwt token --audience ", []string{"apple-developer-enterprise-v1", "appstoreconnect-v1"}},
	{"ascjwt api --audience app", []string{"apple-developer-enterprise-v1", "appstoreconnect-v1"}},
	{"ascjwt api -X P", []string{"PATCH", "POST", "PUT"}},
	{"ascjwt api --method DE", []string{"DELETE"}},
	{"ascjwt token --key-id ", nil},
	{"ascjwt token --issuer-id ", nil},
	{"ascjwt api --base-url ", nil},
	{"ascjwt token --key Auth", []string{"AuthKey_2X9R4HXF34.p8"}},
	{"ascjwt keygen --dir ", []string{"keys"}},
	{"ascjwt completion p", []string{"powershell"}},
	{"ascjwt help env", []string{"environment"}},
	{"ascjwt serve --api m", []string{"maps", "musickit"}},
	{"ascjwt sign promotional-", []string{"promotional-offer", "promotional-offer-v1"}},
}

func completionFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "AuthKey_2X9R4HXF34.p8"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBashCompletionOffersEachFlagsValues runs the bash script's function
// as bash does on a tab, for each of completionCases.
func TestBashCompletionOffersEachFlagsValues(t *testing.T) {
	bash := lookPathOrSkip(t, "bash")
	b := newBin(t)
	script := b.run("completion", "bash").stdout
	dir := completionFolder(t)
	for _, tc := range completionCases {
		t.Run(tc.line, func(t *testing.T) {
			words := strings.Fields(tc.line)
			if strings.HasSuffix(tc.line, " ") {
				words = append(words, "''")
			}
			out, err := completeWithBash(bash, script, dir, words)
			if got := offered(out); err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("%q offers %q (%v), want %q", tc.line, got, err, tc.want)
			}
		})
	}
	// --flag=value, which bash splits at "=".
	if out, err := completeWithBash(bash, script, dir, strings.Fields("ascjwt token --audience = app")); err != nil || len(offered(out)) != 2 {
		t.Errorf("--audience=app offers %q (%v), want the two audiences", out, err)
	}
}

// TestFishCompletionOffersEachFlagsValues asks fish itself what it would
// offer (complete -C), for each of completionCases.
func TestFishCompletionOffersEachFlagsValues(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish is not installed")
	}
	b := newBin(t)
	script := filepath.Join(t.TempDir(), "ascjwt.fish")
	if err := os.WriteFile(script, []byte(b.run("completion", "fish").stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := completionFolder(t)
	for _, tc := range completionCases {
		t.Run(tc.line, func(t *testing.T) {
			cmd := exec.Command(fish, "--no-config", "-c", "source "+script+"; complete -C "+fishQuote(tc.line))
			cmd.Dir = dir
			cmd.Env = []string{"HOME=" + b.home, "PATH=" + os.Getenv("PATH")}
			out, err := cmd.CombinedOutput()
			var got []string
			for _, l := range offered(string(out)) {
				got = append(got, strings.TrimSuffix(strings.SplitN(l, "\t", 2)[0], "/"))
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("%q offers %q (%v), want %q\n%s", tc.line, got, err, tc.want, out)
			}
		})
	}
}

// offered is the sorted non-empty lines of out.
func offered(out string) []string {
	var lines []string
	for l := range strings.SplitSeq(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, strings.TrimSuffix(l, "/"))
		}
	}
	slices.Sort(lines)
	return lines
}

// TestPowerShellCompletionNamesEveryValue: PowerShell is not on this
// machine to run the script, so this checks what it is made of: a native
// completer for ascjwt, each subcommand's flags, each flag's choices, paths
// only for files and folders, and an empty answer (no path completion) for
// a value such as an ID.
func TestPowerShellCompletionNamesEveryValue(t *testing.T) {
	script := completionScriptSays(t, "powershell",
		"Register-ArgumentCompleter -Native -CommandName 'ascjwt' -ScriptBlock {",
		"'--audience' = @('appstoreconnect-v1', 'apple-developer-enterprise-v1')",
		"'-X' = @('GET', 'POST', 'PATCH', 'PUT', 'DELETE')",
		"'--key-id' = @()",
		"'--key' = 'paths'",
		"'--dir' = 'paths'",
		"Words = @('bash', 'zsh', 'fish', 'powershell')",
		"if ($matched.Count -eq 0) { return '' }",
	)
	if strings.Count(script, "{") != strings.Count(script, "}") || strings.Count(script, "(") != strings.Count(script, ")") {
		t.Errorf("unbalanced braces or parentheses:\n%s", script)
	}
	if path, err := exec.LookPath("pwsh"); err == nil {
		file := filepath.Join(t.TempDir(), "ascjwt.ps1")
		os.WriteFile(file, []byte(script), 0o600)
		if out, err := exec.Command(path, "-NoProfile", "-Command", ". "+file).CombinedOutput(); err != nil {
			t.Fatalf("pwsh refuses the script: %v\n%s", err, out)
		}
	}
}

// TestZshCompletionNamesEveryValue: zsh is checked for syntax by
// TestCompletionScriptsParse; this checks the _arguments specs give each
// value its action: choices, files, folders, and a bare message (nothing
// offered) for an ID.
func TestZshCompletionNamesEveryValue(t *testing.T) {
	completionScriptSays(t, "zsh",
		"]:value:(appstoreconnect-v1 apple-developer-enterprise-v1)' \\\n",
		"'-X[the HTTP method; POST when --input is given]:value:(GET POST PATCH PUT DELETE)' \\\n",
		"'--key[the private key file, AuthKey_<KEYID>.p8]:file:_files' \\\n",
		"'--dir[the directory to write the key file in]:directory:_files -/' \\\n",
		"'--issuer-id[the team'\\''s issuer ID; omit for an individual key]:value: ' \\\n",
		"'1:argument:(bash zsh fish powershell)'",
	)
}

// completionScriptSays runs the built binary's completion for shell and
// checks that the script holds each of want; it returns the script.
func completionScriptSays(t *testing.T, shell string, want ...string) string {
	t.Helper()
	r := newBin(t).run("completion", shell)
	r.expect(t, exitOK)
	r.stdoutSays(t, "the "+shell+" script", want...)
	return r.stdout
}
