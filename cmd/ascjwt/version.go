package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

func (c *cmd) version(args []string) error {
	fs := c.newFlags("version", "", `
Print the version of ascjwt and of the Go toolchain that built it. The
version is the module's, as the Go toolchain recorded it in the binary:
v1.2.0 after 'go install github.com/ascjwt/ascjwt/cmd/ascjwt@v1.2.0' (or as a
tool of another module), and (devel) for a build from a working tree, with
the source revision when the toolchain recorded one. 'ascjwt --version' does
the same.`)
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %s; version takes no arguments", describeArg(rest[0]))
	}
	bi, _ := debug.ReadBuildInfo() // nil without build information
	_, err = fmt.Fprintln(c.stdout, versionLine(bi))
	return err
}

// versionLine reads the build information the Go toolchain puts into every
// binary: "ascjwt v1.2.0 (github.com/ascjwt/ascjwt) go1.26.0", with the VCS
// revision when the binary was built from a checkout. bi is nil for a
// binary without build information.
func versionLine(bi *debug.BuildInfo) string {
	if bi == nil {
		return "ascjwt (unknown version: no build information in the binary)"
	}
	mod := commandModule(bi)
	v := mod.Version
	rev, modified := vcsRevision(bi)
	switch {
	case mod == bi.Main && rev != "":
		// Built in a checkout: since Go 1.24 the toolchain derives a
		// pseudo-version from the commit (v0.0.0-<time>-<rev>), which reads
		// like a release but names no version anyone can install; a binary
		// from a module proxy records no VCS settings.
		v = "(devel)"
	case mod.Replace != nil && mod.Replace.Version == "":
		// Replaced by a folder (a go.work or replace directive): built from
		// that working tree, whatever version the requirement names.
		v = "(devel)"
	case mod.Replace != nil:
		v = mod.Replace.Version
	case v == "":
		v = "(unknown version)"
	}
	line := fmt.Sprintf("ascjwt %s (%s) %s", v, mod.Path, bi.GoVersion)
	if rev != "" {
		line += " revision " + rev[:min(12, len(rev))]
		if modified == "true" {
			line += " (modified)"
		}
	}
	return line
}

// vcsRevision returns the revision and the modified flag the toolchain
// records for a build in a checkout, or "" for none.
func vcsRevision(bi *debug.BuildInfo) (rev, modified string) {
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	return rev, modified
}

// commandModule is the module that holds this command's package: the main
// module after 'go install ...@version' or a build in its working tree, one
// of the dependencies when another module builds it (as a tool, or with go
// build of the package path).
func commandModule(bi *debug.BuildInfo) debug.Module {
	best := bi.Main
	bestLen := -1
	if holds(bi.Main.Path, bi.Path) {
		bestLen = len(bi.Main.Path)
	}
	for _, m := range bi.Deps {
		if m != nil && holds(m.Path, bi.Path) && len(m.Path) > bestLen {
			best, bestLen = *m, len(m.Path)
		}
	}
	return best
}

// holds reports whether the module at modPath holds the package at pkgPath.
func holds(modPath, pkgPath string) bool {
	return modPath != "" && (pkgPath == modPath || strings.HasPrefix(pkgPath, modPath+"/"))
}
