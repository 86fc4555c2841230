package credentials

import (
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/internal/apitest"
)

// FuzzLoad runs Load over random environments, flags and key
// folders in which a real private key is planted, in every form a source
// takes, in random places (ID variables, path variables, flags, files named
// by @file:). Whatever the input: no panic; no piece of the key in any error
// or notice; no rejected ID value echoed; and a ascjwt.Config that loads has IDs of
// the form Apple issues.
//
// plan[0] picks a world (key folders, command flag names); each following
// pair of bytes sets one target (a variable or a flag) to one kind of value
// (fuzzLoadValue). s1, s2, s3 are free text some kinds use.
func FuzzLoad(f *testing.F) {
	fx := newFuzzLoadFixture(f)
	// Seeds beside testdata/fuzz/FuzzLoad, which holds the cases of
	// issues 10 and 13.
	f.Add([]byte{0, 0, 3}, "", "", "")
	f.Add([]byte{1}, "", "", "")
	f.Fuzz(func(t *testing.T, plan []byte, s1, s2, s3 string) {
		if len(plan) == 0 {
			return
		}
		in := fx.build(plan, [3]string{s1, s2, s3})
		cfg, notices, err := in.load()
		all := strings.Join(notices, "\n")
		if err != nil {
			all += "\n" + err.Error()
			_ = errors.Is(err, ErrNotFound)
		}
		for _, s := range fx.secrets {
			if strings.Contains(all, s) {
				t.Fatalf("a message holds key material %q:\n%s", s, all)
			}
		}
		for _, v := range in.idOnly {
			if !fuzzWellFormedID.MatchString(v) && strings.Contains(all, v) {
				t.Fatalf("a message quotes the rejected ID value %q:\n%s", v, all)
			}
		}
		if err != nil {
			return
		}
		if !fuzzWellFormedID.MatchString(cfg.KeyID) || cfg.IssuerID != "" && !fuzzWellFormedID.MatchString(cfg.IssuerID) {
			t.Fatalf("loaded IDs that are not IDs: key %q, issuer %q", cfg.KeyID, cfg.IssuerID)
		}
		if _, ok := cfg.PrivateKey.(*ecdsa.PrivateKey); !ok {
			t.Fatalf("loaded without a key: %v", cfg)
		}
		if strings.Contains(cfg.String(), "PRIVATE") {
			t.Fatalf("Config prints key material: %v", cfg)
		}
	})
}

// fuzzWellFormedID is written here independently of checkID: what a key or
// issuer ID from Apple (or a test) may look like.
var fuzzWellFormedID = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

type fuzzLoadFixture struct {
	pem     string
	forms   []string // the key as sources give it
	secrets []string // pieces of every form
	files   map[string]string
	worlds  [4][2]string // home, work
	targets []string     // variable names, then "flag:..." for the flags
	idRole  map[string]bool
}

func newFuzzLoadFixture(f *testing.F) *fuzzLoadFixture {
	key := apitest.NewKey(f)
	p8 := apitest.PEM(f, key)
	fx := &fuzzLoadFixture{pem: p8, secrets: credAllSecrets(f, p8), files: map[string]string{}, idRole: map[string]bool{}}
	block := strings.Split(strings.TrimSpace(p8), "\n")
	fx.forms = []string{
		p8,
		strings.ReplaceAll(p8, "\n", `\n`),
		strings.Join(block[1:len(block)-1], ""),
		base64.StdEncoding.EncodeToString([]byte(p8)),
		" " + p8 + "\n",
	}

	dir := f.TempDir()
	for name, data := range map[string]string{
		"key.p8":                p8,
		"AuthKey_FUZZKEY001.p8": p8,
		"AuthKey_OTHERKEY01.p8": p8,
		"id.txt":                "FUZZKEY001\n",
		"id_is_key.txt":         p8,
		"api_key.json":          `{"key_id": "FUZZKEY001", "issuer_id": "` + credIssuer + `", "key": ` + jsonString(p8) + `}`,
		"swapped.json":          `{"key_id": ` + jsonString(p8) + `, "issuer_id": "FUZZKEY001", "filepath": ` + jsonString(fx.forms[2]) + `}`,
		"filepath.json":         `{"key_id": "OTHERKEY01", "filepath": "AuthKey_FUZZKEY001.p8", "duration": 600, "in_house": true}`,
	} {
		fx.files[name] = credWrite(f, dir, name, data)
	}
	for i := range fx.worlds {
		home, work := filepath.Join(dir, "w", string(rune('0'+i)), "home"), filepath.Join(dir, "w", string(rune('0'+i)), "work")
		fx.worlds[i] = [2]string{home, work}
		switch i {
		case 1: // after "ascjwt keygen --dir ./private_keys"
			credWrite(f, filepath.Join(work, "private_keys"), "AuthKey_FUZZKEY001.p8", p8)
		case 2: // two keys
			credWrite(f, filepath.Join(work, "private_keys"), "AuthKey_FUZZKEY001.p8", p8)
			credWrite(f, filepath.Join(home, "private_keys"), "AuthKey_OTHERKEY01.p8", p8)
		case 3: // one key, and a file of that name that is not a key
			credWrite(f, filepath.Join(home, ".appstoreconnect", "private_keys"), "AuthKey_FUZZKEY001.p8", p8)
			credWrite(f, filepath.Join(work, "private_keys"), "AuthKey_JUNK000000.p8", "not a key")
		}
	}

	for _, fam := range envFamilies {
		for _, name := range []string{fam.keyID, fam.issuerID} {
			if name != "" {
				fx.targets = append(fx.targets, name)
				fx.idRole[name] = true
			}
		}
		for _, name := range []string{fam.keyContent, fam.keyBase64, fam.keyPath, fam.contentIsBase64, fam.duration, fam.inHouse} {
			if name != "" {
				fx.targets = append(fx.targets, name)
			}
		}
	}
	fx.targets = append(fx.targets, apiKeyJSONVars...)
	fx.targets = append(fx.targets, keysDirVar, "SECRET_ID", "OTHER_VAR", "flag:KeyID", "flag:IssuerID", "flag:KeyFile", "flag:APIKeyJSON")
	fx.idRole["flag:KeyID"], fx.idRole["flag:IssuerID"] = true, true
	return fx
}

// fuzzTame keeps free text from naming a device (/dev/tty, /proc/self/fd/0)
// that would block a read: a real user may name a pipe on purpose, but a
// fuzzer must not wait on one.
var fuzzTame = strings.NewReplacer("/dev", "/_ev", "/proc", "/_roc", "/sys", "/_ys")

// fuzzLoadInput is one generated call.
type fuzzLoadInput struct {
	credWorld
	idOnly []string // values set only in ID places: never echoed unless well-formed
}

// fuzzLoadValueKinds is how many kinds fuzzLoadValue makes.
const fuzzLoadValueKinds = 29

// value makes the kind-th value: free text, the key in one of its forms, a
// path to a file, an indirection, a well-formed value, or free text between
// markers (wrapped, so that an echo of it cannot be a coincidence).
func (fx *fuzzLoadFixture) value(kind byte, s [3]string) (v string, wrapped bool) {
	for i := range s {
		s[i] = fuzzTame.Replace(s[i])
	}
	switch k := int(kind) % fuzzLoadValueKinds; {
	case k < 3:
		return s[k], false
	case k < 3+len(fx.forms):
		return fx.forms[k-3], false
	default:
		// The values every run can draw, in the order the seed corpus
		// relies on.
		fixed := []string{
			fx.files["key.p8"],
			fx.files["AuthKey_FUZZKEY001.p8"],
			fx.files["AuthKey_OTHERKEY01.p8"],
			"@file:" + fx.files["key.p8"],
			"@file:" + fx.files["id_is_key.txt"],
			"@file:" + fx.files["id.txt"],
			"@env:SECRET_ID",
			"@env:" + s[0],
			"@file:" + s[1],
			"FUZZKEY001",
			credIssuer,
			"true",
			"600",
			fx.files["api_key.json"],
			fx.files["swapped.json"],
			fx.files["filepath.json"],
			"~/" + s[2],
			"",
		}
		if i := k - 3 - len(fx.forms); i < len(fixed) {
			return fixed[i], false
		}
		return "zqx" + s[k-26] + "xqz", true
	}
}

func (fx *fuzzLoadFixture) build(plan []byte, s [3]string) fuzzLoadInput {
	w := fx.worlds[plan[0]%4]
	in := fuzzLoadInput{credWorld: credWorld{env: map[string]string{}, home: w[0], work: w[1]}}
	if plan[0]&4 != 0 {
		in.flagNames = commandFlags
	}
	wrappedIn := map[string]bool{}
	var elsewhere []string // values set in places that may print them (paths)
	for i := 1; i+1 < len(plan); i += 2 {
		target := fx.targets[int(plan[i])%len(fx.targets)]
		v, wrapped := fx.value(plan[i+1], s)
		switch target {
		case "flag:KeyID":
			in.flags.KeyID = v
		case "flag:IssuerID":
			in.flags.IssuerID = v
		case "flag:KeyFile":
			in.flags.KeyFile = v
		case "flag:APIKeyJSON":
			in.flags.APIKeyJSON = v
		default:
			in.env[target] = v
		}
		if wrapped && fx.idRole[target] {
			wrappedIn[v] = true
		} else {
			elsewhere = append(elsewhere, v)
		}
	}
	for v := range wrappedIn {
		printable := true
		for _, e := range elsewhere {
			if strings.Contains(e, v) {
				printable = false // also a path, say: printing it there is fine
			}
		}
		if printable {
			in.idOnly = append(in.idOnly, v)
		}
	}
	return in
}
