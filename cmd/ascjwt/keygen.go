package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ascjwt/ascjwt/internal/configcheck"
	"github.com/ascjwt/ascjwt/internal/keyparse"
)

func (c *cmd) keygen(args []string) error {
	flags := c.newFlags("keygen", "[--dir DIR] [--key-id ID]", `
Make a new P-256 private key in the form App Store Connect issues (a PKCS#8
PEM .p8 file), for tests and for servers that issue tokens of their own. It is
written to DIR/AuthKey_<KEYID>.p8 with mode 0600 (DIR is made, mode 0700, if
it does not exist) and never over an existing file. Stdout gets the key ID on the first line, then the public key PEM.`)
	dir := flags.String("dir", ".", "the `directory` to write the key file in")
	keyID := flags.String("key-id", "", "the key `ID` (default: 10 random capital letters and digits, like Apple's)")
	if err := flags.parseFlagsOnly(args); err != nil {
		return err
	}
	id := *keyID
	if id == "" {
		id = randomKeyID()
	} else if len(id) > configcheck.MaxIDLen || !keyparse.FileKeyID(id) {
		// The ID becomes part of a file name: no separators, no dots.
		return usagef("--key-id %s: want 1 to 64 letters and digits, like Apple's 2X9R4HXF34", describeArg(id))
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return fmt.Errorf("encode public key: %w", err)
	}
	folder := c.resolve(*dir)
	// A key folder such as ./private_keys may not exist yet; make it private
	// to its owner, as the key inside is.
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", folder, err)
	}
	path := filepath.Join(folder, keyparse.FileName(id))
	if err := writeNew(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		return err
	}
	c.note("ascjwt keygen: wrote %s (mode 0600)", path)
	fmt.Fprintln(c.stdout, id)
	_, err = c.stdout.Write(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	return err
}

// randomKeyID makes an ID of Apple's form: ten capital letters and digits.
func randomKeyID() string {
	return rand.Text()[:10] // base32: A-Z and 2-7, uniformly
}

// writeNew writes a secret to a file that must not exist yet: O_EXCL makes
// the check and the creation one step, and 0600 keeps it private from the
// first byte. A failed write leaves no partial key behind.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists; refusing to overwrite a key (remove it, or choose --key-id or --dir)", path)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("create %s: %w", path, err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil || cerr != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, errors.Join(werr, cerr))
	}
	return nil
}

// resolve makes a relative path relative to the working directory the
// system names (tests set it), not the process's.
func (c *cmd) resolve(p string) string {
	if filepath.IsAbs(p) || c.workDir == "" {
		return p
	}
	return filepath.Join(c.workDir, p)
}
