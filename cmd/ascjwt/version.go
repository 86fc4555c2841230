package main

import (
	"fmt"
	"runtime/debug"
)

func (c *cmd) version(args []string) error {
	fs := c.newFlags("version", "", `
Print the version of ascjwt (the module version that go install recorded, or
the source revision it was built from) and of the Go toolchain that built it.
'ascjwt --version' does the same.`)
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %s; version takes no arguments", describeArg(rest[0]))
	}
	_, err = fmt.Fprintln(c.stdout, versionLine())
	return err
}

// versionLine reads the build information the Go toolchain puts into every
// binary: "ascjwt v1.2.0 (github.com/ascjwt/ascjwt) go1.26.0", with the
// VCS revision when the binary was built from a checkout.
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "ascjwt (unknown version: no build information in the binary)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	line := fmt.Sprintf("ascjwt %s (%s) %s", v, bi.Main.Path, bi.GoVersion)
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		line += " revision " + rev
		if modified == "true" {
			line += " (modified)"
		}
	}
	return line
}
