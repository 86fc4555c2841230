package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

// binPath is the ascjwt binary TestMain builds, for the tests that run the
// command as a user does: its own process, real stdout, stderr and exit
// status.
var binPath string

// TestMain builds the binary, runs the tests, and fails the run if a
// goroutine outlives them: demo and api start servers, clients and token
// refreshes, and each must end.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ascjwt-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binPath = filepath.Join(dir, "ascjwt")
	build := exec.Command("go", "build", "-o", binPath, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
