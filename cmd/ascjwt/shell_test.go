package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lookPathOrSkip returns the path of a program the test runs, or skips the
// test on a machine that lacks it.
func lookPathOrSkip(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed", name)
	}
	return path
}

// pathWithBinary is a PATH value that finds the built ascjwt first, as a
// user's PATH does once it is installed.
func pathWithBinary() string {
	return "PATH=" + filepath.Dir(binPath) + string(os.PathListSeparator) + os.Getenv("PATH")
}

// runBash runs script with bash -c in dir and env, as a pasted script runs,
// bounded by two minutes. A server the script starts in the background
// writes to the same pipes, so Wait gives it a minute to exit.
func runBash(t *testing.T, bash, dir string, env []string, script string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-c", script)
	cmd.Dir, cmd.Env = dir, env
	cmd.WaitDelay = time.Minute
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// completeWithBash runs the bash completion script's function in dir as
// bash does on a tab after words (the last one the word being completed)
// and returns what it offers, one per line.
func completeWithBash(bash, script, dir string, words []string) (string, error) {
	prog := script + fmt.Sprintf("\nCOMP_WORDS=(%s); COMP_CWORD=%d; _ascjwt; printf '%%s\\n' \"${COMPREPLY[@]}\"\n", strings.Join(words, " "), len(words)-1)
	cmd := exec.Command(bash, "-c", prog)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}
