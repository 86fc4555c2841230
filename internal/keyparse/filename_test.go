package keyparse

import (
	"path/filepath"
	"testing"
)

// TestKeyIDOfFileReadsAppleDownloadsOnly: the key ID comes from Apple's
// download name, in any folder, and from nothing else.
func TestKeyIDOfFileReadsAppleDownloadsOnly(t *testing.T) {
	for _, tc := range []struct {
		path, id string
		ok       bool
	}{
		{"AuthKey_2X9R4HXF34.p8", "2X9R4HXF34", true},
		{"/home/ci/.private_keys/AuthKey_ABC123.p8", "ABC123", true},
		{"AuthKey_.p8", "", false},
		{"AuthKey_2X9R4HXF34.p8.bak", "", false},
		{"AuthKey_../x.p8", "", false},
		{"AuthKey_2X9R-4HXF.p8", "", false},
		{"authkey_2X9R4HXF34.p8", "", false},
		{"", "", false},
	} {
		id, ok := KeyIDOfFile(tc.path)
		if ok != tc.ok || id != tc.id {
			t.Errorf("KeyIDOfFile(%q) = %q, %t; want %q, %t", tc.path, id, ok, tc.id, tc.ok)
		}
	}
}

// FuzzKeyIDOfFile: whatever name is read, a key ID read from it names the
// same file again, and never one outside the folder.
func FuzzKeyIDOfFile(f *testing.F) {
	for _, s := range []string{"AuthKey_2X9R4HXF34.p8", "dir/AuthKey_A.p8", "AuthKey_.p8", "AuthKey_a/b.p8", "AuthKey_\x00.p8", ".p8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		id, ok := KeyIDOfFile(path)
		if !ok {
			return
		}
		if !FileKeyID(id) || FileName(id) != filepath.Base(path) || filepath.Base(filepath.Join("keys", FileName(id))) != FileName(id) {
			t.Fatalf("KeyIDOfFile(%q) = %q, which does not name the same file", path, id)
		}
	})
}

// TestFileKeyIDTakesLettersAndDigitsOnly: only a key ID that names a file
// inside its folder, as Apple's do, goes into FileName.
func TestFileKeyIDTakesLettersAndDigitsOnly(t *testing.T) {
	for id, want := range map[string]bool{
		"2X9R4HXF34": true, "abc123": true,
		"": false, "2X9R-4HXF": false, "a_b": false, "a.b": false, "../x": false, "a/b": false, "a b": false, "é": false,
	} {
		if got := FileKeyID(id); got != want {
			t.Errorf("FileKeyID(%q) = %t, want %t", id, got, want)
		}
	}
	if got := FileName("2X9R4HXF34"); got != "AuthKey_2X9R4HXF34.p8" {
		t.Errorf("FileName = %q", got)
	}
}
