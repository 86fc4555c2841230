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
// returns its path, which serve names ASC_ROOT_CA_FILE: ascjwt verify
// reads it, and any language's App Store Server Library can be given it.
func writeStoreRoot(folder string, srv *asctest.Server) (string, error) {
	p := filepath.Join(folder, rootFileName)
	var out []byte
	for _, r := range srv.Roots() {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Raw})...)
	}
	if err := writeAtomic(p, out, 0o644); err != nil {
		return "", err
	}
	return p, nil
}

// checkNotifyURL refuses a --notify-url that is not an http or https URL,
// or is given to a fake without App Store Server routes.
func checkNotifyURL(s string, api fakeAPI) error {
	if s == "" {
		return nil
	}
	if api.name != "asc" {
		return usagef("--notify-url is for --api asc, whose App Store Server routes send test notifications; the %s fake sends none", api.title)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--notify-url %s: want the http or https URL of your notification handler, such as http://127.0.0.1:8080/appstore", redact.Show(s, 256))
	}
	return nil
}
