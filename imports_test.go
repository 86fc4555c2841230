package ascjwt

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// module is this module's import path.
const module = "github.com/ascjwt/ascjwt"

// apiPackages are the packages beside the root, one per Apple API or flow,
// none of which may import another.
var apiPackages = []string{"apns", "musickit", "weatherkit", "signinwithapple", "maps", "axm", "appstore", "credentials"}

// TestImportsFlowOneWay: no package under internal/ imports the root (the
// shared source takes its token and hook types from internal/token), and no
// API package imports another (what two need lives once in internal/). The
// imports are read from the source files, tests excluded.
func TestImportsFlowOneWay(t *testing.T) {
	internals, err := filepath.Glob("internal/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range internals {
		for file, imp := range imports(t, dir) {
			if imp == module {
				t.Errorf("%s imports the root package; internal/ must not", file)
			}
		}
	}
	for _, pkg := range apiPackages {
		for file, imp := range imports(t, pkg) {
			for _, other := range apiPackages {
				if other != pkg && (imp == module+"/"+other || strings.HasPrefix(imp, module+"/"+other+"/")) {
					t.Errorf("%s imports %s: an API package must not import another", file, imp)
				}
			}
		}
	}
}

// imports returns each import of the non-test Go files in dir, keyed by
// "file: path".
func imports(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		path := filepath.Join(dir, name)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			out[path+": "+imp] = imp
		}
	}
	return out
}
