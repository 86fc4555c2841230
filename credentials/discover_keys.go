package credentials

import (
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ascjwt/ascjwt/internal/fileread"
	"github.com/ascjwt/ascjwt/internal/keyparse"
)

// Private keys as sources give them, and the AuthKey_<KEYID>.p8 folders.

// keysDirVar is the variable altool reads for its key folder.
const keysDirVar = "API_PRIVATE_KEYS_DIR"

// keySource is a private key as a source gives it: content, or a file.
type keySource struct {
	source  string
	content []byte // nil when path is set
	path    string
	base64  bool // content is base64 of the key (fastlane's is_key_content_base64)
	// keyID is the key ID the same source gives beside the key (fastlane's
	// key_id in its JSON, a tool's own key ID variable), if any: the key
	// it says the private key is. A key ID from elsewhere that disagrees
	// would sign tokens Apple refuses.
	keyID setting[string]
}

// load parses the key. Errors name the source and the file, never the key.
func (k keySource) load() (*ecdsa.PrivateKey, error) {
	data := k.content
	if k.path != "" {
		var err error
		if data, err = fileread.Limited(k.path, keyparse.MaxSize); err != nil {
			return nil, fmt.Errorf("credentials: private key from %s: %w", k.source, err)
		}
	} else if k.base64 {
		// Declared base64 (fastlane's is_key_content_base64): decode first,
		// so that the error says so when it is not.
		compact := strings.Join(strings.Fields(string(data)), "")
		dec, err := base64.StdEncoding.DecodeString(compact)
		if err != nil {
			if dec, err = base64.RawStdEncoding.DecodeString(compact); err != nil {
				return nil, fmt.Errorf("credentials: private key from %s: it is declared base64 but is not valid base64", k.source)
			}
		}
		data = dec
	}
	key, err := keyparse.Parse(data)
	if err != nil {
		if k.path != "" {
			return nil, fmt.Errorf("credentials: private key from %s: %s: %w", k.source, k.path, err)
		}
		if looksLikePath(data) {
			return nil, fmt.Errorf("credentials: private key from %s: it holds a file name, not a key; name the file in a _PATH or _FILEPATH variable instead", k.source)
		}
		return nil, fmt.Errorf("credentials: private key from %s: %w", k.source, err)
	}
	return key, nil
}

// checkExists refuses a key file that is not there, saying so: the fix is
// the path, whatever the file's name says. A file that is there but cannot
// be read is left to load, which says why.
func (k keySource) checkExists() error {
	if k.path == "" {
		return nil
	}
	_, err := os.Stat(k.path)
	if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is said once, below
	}
	return &missingError{fmt.Sprintf("credentials: the key file %s from %s does not exist (%v); check the path", k.path, k.source, err), err}
}

// missingError is a named file that is not there; errors.Is matches it to
// [fs.ErrNotExist].
type missingError struct {
	msg string
	err error
}

func (e *missingError) Error() string { return e.msg }
func (e *missingError) Unwrap() error { return e.err }

// looksLikePath spots the common mistake of putting the key's path where its
// content goes.
func looksLikePath(data []byte) bool {
	s := strings.TrimSpace(string(data))
	return len(s) < 4096 && !strings.ContainsAny(s, "\n") && strings.HasSuffix(s, ".p8")
}

// keyDirs lists the folders searched for AuthKey_<KEYID>.p8, in altool's
// order, for the search and for the error that names them.
func (l *loader) keyDirs() []setting[string] {
	var dirs []setting[string]
	if l.keysDir.source != "" {
		dirs = append(dirs, l.keysDir)
	}
	dirs = append(dirs, setting[string]{"./private_keys", filepath.Join(l.work, "private_keys")})
	if l.home != "" {
		for _, d := range []string{"private_keys", ".private_keys", ".appstoreconnect/private_keys"} {
			dirs = append(dirs, setting[string]{"~/" + d, filepath.Join(l.home, d)})
		}
	}
	// One folder named twice (the working directory is the home directory,
	// or API_PRIVATE_KEYS_DIR is one of the others) is searched once, under
	// its first name, so that its keys are not counted twice.
	seen := map[string]bool{}
	unique := dirs[:0]
	for _, d := range dirs {
		if c := filepath.Clean(d.v); !seen[c] {
			seen[c] = true
			unique = append(unique, d)
		}
	}
	return unique
}

func (l *loader) searchKeyDirs(keyID string) (keySource, error) {
	if !keyparse.FileKeyID(keyID) {
		// Not ErrNotFound: the key ID is set, and wrong. Apple's key
		// IDs are letters and digits only.
		return keySource{}, fmt.Errorf("credentials: key ID %s holds '-', '_' or '.', which Apple's key IDs do not, so no AuthKey file is looked for; check the key ID, or %s", keyID, setOr(l.opts.FlagNames.KeyFile, []string{"ASC_PRIVATE_KEY_PATH"}))
	}
	name := keyparse.FileName(keyID)
	for _, dir := range l.keyDirs() {
		p := filepath.Join(dir.v, name)
		_, err := os.Stat(p)
		if err == nil {
			return keySource{source: name + " in " + dir.source, path: p}, nil
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return keySource{}, fmt.Errorf("credentials: private key file %s: %w", p, err)
		}
	}
	return keySource{}, &sentinelError{ErrNotFound, fmt.Sprintf("credentials: no private key for key ID %s: %s", keyID, l.keyHint(keyID))}
}

// maxListed bounds the files an error lists; a folder of hundreds of keys
// would bury the advice after the list.
const maxListed = 10

// onlyKeyFile finds the key when no source names one: the AuthKey_<KEYID>.p8
// files in the key folders, all of one key ID. Several key IDs are an error
// listing the files, since picking one would sign with a key the user did not
// choose; none is ErrNotFound.
func (l *loader) onlyKeyFile() (keySource, error) {
	var found []keySource
	ids := map[string]bool{}
	for _, dir := range l.keyDirs() {
		entries, err := os.ReadDir(dir.v)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				continue // no such folder (the usual case), or a file by that name
			}
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return keySource{}, fmt.Errorf("credentials: key folder %s: %w", dir.v, err)
		}
		for _, e := range entries { // sorted by name
			id, ok := keyparse.KeyIDOfFile(e.Name())
			if !ok || e.IsDir() {
				continue
			}
			ids[id] = true
			found = append(found, keySource{source: e.Name() + " in " + dir.source, path: filepath.Join(dir.v, e.Name())})
		}
	}
	switch {
	case len(found) == 0:
		return keySource{}, l.noKeyID()
	case len(ids) == 1:
		// The same key in several folders: the first in altool's order,
		// as when the key ID is set.
		return found[0], nil
	}
	var paths []string
	for i, k := range found {
		if i == maxListed {
			paths = append(paths, fmt.Sprintf("and %d more", len(found)-maxListed))
			break
		}
		paths = append(paths, k.path)
	}
	return keySource{}, &sentinelError{ErrConflict, fmt.Sprintf(
		"credentials: no key ID is set and the key folders hold %d keys: %s; choose one: %s, or %s",
		len(ids), strings.Join(paths, ", "), setOr(l.opts.FlagNames.KeyID, []string{"ASC_KEY_ID"}), setOr(l.opts.FlagNames.KeyFile, []string{"ASC_PRIVATE_KEY_PATH"}))}
}
