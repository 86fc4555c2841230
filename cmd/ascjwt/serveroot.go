package main

import (
	"encoding/pem"
	"net/url"
	"path/filepath"

	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// rootFileName is the name serve gives, in its folder, the root of the test
// CA that signs the App Store Server API's transactions and notifications.
const rootFileName = "root-ca.pem"

// writeStoreRoot writes srv's App Store signing root into folder and
// returns the variable that names it, ASC_ROOT_CA_FILE, which ascjwt
// verify reads and any language's App Store Server Library can be given.
func writeStoreRoot(folder string, srv *asctest.Server) ([2]string, error) {
	p := filepath.Join(folder, rootFileName)
	var out []byte
	for _, r := range srv.Roots() {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Raw})...)
	}
	if err := writeAtomic(p, out, 0o644); err != nil {
		return [2]string{}, err
	}
	return [2]string{rootFileEnv, p}, nil
}

// checkNotifyURL refuses a --notify-url that is not an http or https URL.
func checkNotifyURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--notify-url %s: want the http or https URL of your notification handler, such as http://127.0.0.1:8080/appstore", redact.Show(s, 256))
	}
	return nil
}

