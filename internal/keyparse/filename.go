package keyparse

// App Store Connect names a key's download AuthKey_<KEYID>.p8, and altool,
// Transporter and the credentials package look for that name in their key
// folders: the one rule for making the name and for reading a key ID from
// it.

import "path/filepath"

// FileName is the name of keyID's key file, AuthKey_<KEYID>.p8. A key ID
// from outside is checked with [FileKeyID] first.
func FileName(keyID string) string { return "AuthKey_" + keyID + ".p8" }

// KeyIDOfFile reads the key ID from the last element of path when it is
// such a name, with a key ID that [FileKeyID] accepts.
func KeyIDOfFile(path string) (string, bool) {
	const prefix, suffix = "AuthKey_", ".p8"
	name := filepath.Base(path)
	if len(name) <= len(prefix)+len(suffix) || name[:len(prefix)] != prefix || name[len(name)-len(suffix):] != suffix {
		return "", false
	}
	id := name[len(prefix) : len(name)-len(suffix)]
	if !FileKeyID(id) {
		return "", false
	}
	return id, true
}

// FileKeyID reports whether keyID is letters and digits only, as Apple's
// key IDs are, so that FileName(keyID) joined to a folder names a file in
// that folder and nowhere else: no separator, no dot, no space.
func FileKeyID(keyID string) bool {
	for i := 0; i < len(keyID); i++ {
		if c := keyID[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return keyID != ""
}
