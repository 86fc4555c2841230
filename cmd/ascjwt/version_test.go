package main

import (
	"archive/zip"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestVersionLineNamesTheModuleThatHoldsTheCommand: the version is the
// version of the module that holds cmd/ascjwt, whether it is the main module
// or a dependency of another (a tool of that module); (devel) only for a
// working-tree build, a folder replacing the module included.
func TestVersionLineNamesTheModuleThatHoldsTheCommand(t *testing.T) {
	const pkg = "github.com/ascjwt/ascjwt/cmd/ascjwt"
	ascjwt := func(v string) *debug.Module { return &debug.Module{Path: "github.com/ascjwt/ascjwt", Version: v} }
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"go install @v0.1.0", &debug.BuildInfo{GoVersion: "go1.26.0", Path: pkg, Main: *ascjwt("v0.1.0")},
			"ascjwt v0.1.0 (github.com/ascjwt/ascjwt) go1.26.0"},
		{"a working tree", &debug.BuildInfo{GoVersion: "go1.26.0", Path: pkg, Main: *ascjwt("(devel)"), Settings: vcs},
			"ascjwt (devel) (github.com/ascjwt/ascjwt) go1.26.0 revision 0123456789ab (modified)"},
		{"a working tree, with the pseudo-version Go 1.24 derives from the commit", &debug.BuildInfo{GoVersion: "go1.26.0", Path: pkg,
			Main: *ascjwt("v0.0.0-20261201231106-0123456789ab+dirty"), Settings: vcs},
			"ascjwt (devel) (github.com/ascjwt/ascjwt) go1.26.0 revision 0123456789ab (modified)"},
		{"a tool of another module", &debug.BuildInfo{GoVersion: "go1.26.0", Path: pkg,
			Main: debug.Module{Path: "example.com/app", Version: "(devel)"},
			Deps: []*debug.Module{{Path: "golang.org/x/sync", Version: "v0.25.0"}, ascjwt("v0.2.1")}},
			"ascjwt v0.2.1 (github.com/ascjwt/ascjwt) go1.26.0"},
		{"a dependency replaced by a folder", &debug.BuildInfo{GoVersion: "go1.26.0", Path: pkg,
			Main: debug.Module{Path: "example.com/app", Version: "(devel)"},
			Deps: []*debug.Module{{Path: "github.com/ascjwt/ascjwt", Version: "v0.1.0", Replace: &debug.Module{Path: "../ascjwt"}}}},
			"ascjwt (devel) (github.com/ascjwt/ascjwt) go1.26.0"},
		{"a dependency replaced by a fork's version", &debug.BuildInfo{GoVersion: "go1.26.0", Path: pkg,
			Main: debug.Module{Path: "example.com/app", Version: "(devel)"},
			Deps: []*debug.Module{{Path: "github.com/ascjwt/ascjwt", Version: "v0.1.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v0.1.1"}}}},
			"ascjwt v0.1.1 (github.com/ascjwt/ascjwt) go1.26.0"},
		{"no version recorded", &debug.BuildInfo{GoVersion: "go1.26.0", Path: pkg, Main: *ascjwt("")},
			"ascjwt (unknown version) (github.com/ascjwt/ascjwt) go1.26.0"},
		{"no build information", nil, "ascjwt (unknown version: no build information in the binary)"},
	} {
		if got := versionLine(tc.bi); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// TestVersionOfAModuleInstalledAtAVersion publishes this working tree as
// github.com/ascjwt/ascjwt v0.1.0 on a module proxy in a folder, installs
// the command from it with go install ...@v0.1.0 as a user would, and runs
// it: it says v0.1.0, not (devel). The test binary's own build is a
// working-tree build, which says (devel).
func TestVersionOfAModuleInstalledAtAVersion(t *testing.T) {
	b := newBin(t)
	r := b.run("--version")
	r.expect(t, exitOK)
	if !strings.HasPrefix(r.stdout, "ascjwt (devel) (github.com/ascjwt/ascjwt) "+runtime.Version()) {
		t.Fatalf("a working-tree build says %q; want (devel)", r.stdout)
	}
	if testing.Short() {
		t.Skip("-short: no go install from a module proxy")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	env := func(name string) string {
		out, err := exec.Command(goTool, "env", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	buildCache, depCache := env("GOCACHE"), env("GOMODCACHE")

	proxy := t.TempDir()
	at := filepath.Join(proxy, "github.com", "ascjwt", "ascjwt", "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "..")
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"list": "v0.1.0\n", "v0.1.0.info": `{"Version":"v0.1.0","Time":"2026-01-01T00:00:00Z"}`, "v0.1.0.mod": string(goMod),
	} {
		if err := os.WriteFile(filepath.Join(at, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeModuleZip(t, root, filepath.Join(at, "v0.1.0.zip"), "github.com/ascjwt/ascjwt@v0.1.0/")

	modCache, gobin := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, goTool, "install", "github.com/ascjwt/ascjwt/cmd/ascjwt@v0.1.0")
	install.Dir = t.TempDir()
	install.Env = []string{
		"HOME=" + b.home, "PATH=" + os.Getenv("PATH"), "GOCACHE=" + buildCache, "GOMODCACHE=" + modCache, "GOBIN=" + gobin,
		// The module from the folder; its dependencies from the module
		// cache already on the machine, which is laid out as a proxy.
		"GOPROXY=file://" + filepath.ToSlash(proxy) + ",file://" + filepath.ToSlash(filepath.Join(depCache, "cache", "download")),
		"GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod",
	}
	t.Cleanup(func() {
		// The module cache is read-only; go clean can remove it.
		clean := exec.Command(goTool, "clean", "-modcache")
		clean.Env = install.Env
		clean.Run()
	})
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install ...@v0.1.0: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "ascjwt"), "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "ascjwt v0.1.0 (github.com/ascjwt/ascjwt) " + runtime.Version(); !strings.HasPrefix(string(out), want) {
		t.Fatalf("the installed command says %q; want %q", out, want)
	}
}

// writeModuleZip writes the module at root as a module zip, as a proxy
// serves it: every file under prefix, without the nested modules (folders
// with a go.mod of their own), version control and node_modules.
func writeModuleZip(t *testing.T, root, path, prefix string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == "." {
				return nil
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil || strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || d.Name() == "go.work" || d.Name() == "go.work.sum" || (filepath.Dir(rel) == "cmd/ascjwt" && d.Name() == "ascjwt") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, err := zw.Create(prefix + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}
