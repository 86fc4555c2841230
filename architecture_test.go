package ascjwt_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// modulePath is the root module's import path; the nested modules (bench,
// conformance, xoauth2) are left out of the walk below, as they are not part
// of what users import.
const modulePath = "github.com/ascjwt/ascjwt"

// apiPackages are the folders that hold one Apple API each, with the fakes
// and helpers beneath them. ARCHITECTURE.md draws the same picture.
var apiPackages = []string{"apns", "appstore", "axm", "credentials", "maps", "musickit", "signinwithapple", "weatherkit"}

// TestImportsFlowOneWay holds the layout ARCHITECTURE.md describes against the
// code: no API package (or its fake) imports another API package, and
// internal/ imports nothing of this module outside internal/, the root
// package least of all. What two packages need lives once in internal/.
func TestImportsFlowOneWay(t *testing.T) {
	imports := moduleImports(t)
	if len(imports) == 0 {
		t.Fatal("found no packages to check; is the test running from the module root?")
	}
	for pkg, deps := range imports {
		for dep := range deps {
			if !strings.HasPrefix(dep, modulePath) {
				continue
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(dep, modulePath), "/")
			if a, b := apiOf(pkg), apiOf(rel); a != "" && b != "" && a != b {
				t.Errorf("%s imports %s: an API package must not import another API package; move what both need into internal/", pkg, dep)
			}
			if underInternal(pkg) && !underInternal(rel) {
				t.Errorf("%s imports %s: internal/ must not import the root package or an API package; the shared piece belongs in internal/ itself", pkg, dep)
			}
		}
	}
}

// moduleImports maps each package folder of the root module (relative, "."
// for the root) to the module's packages its non-test files import.
func moduleImports(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != "." && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || isNestedModule(p)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(p))
		if out[pkg] == nil {
			out[pkg] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			ip, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			out[pkg][ip] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func isNestedModule(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "go.mod"))
	return err == nil
}

// apiOf names the API folder that rel (a folder relative to the module root)
// lies in, or "" for the root, internal/, cmd/ and the other shared folders.
func apiOf(rel string) string {
	top, _, _ := strings.Cut(path.Clean(rel), "/")
	for _, api := range apiPackages {
		if top == api {
			return api
		}
	}
	return ""
}

func underInternal(rel string) bool {
	rel = path.Clean(rel)
	return rel == "internal" || strings.HasPrefix(rel, "internal/")
}
