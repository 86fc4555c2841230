package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"

	"github.com/ascjwt/ascjwt/internal/redact"
)

// caFileEnv names a PEM file of certificates to trust on top of the
// system's when --cacert does not: ascjwt serve sets it, so that api reaches
// its TLS server with no flag, on Linux and macOS alike (SSL_CERT_FILE
// replaces the system roots on Linux and is not read on macOS).
const caFileEnv = "ASC_CA_FILE"

// maxCAFile bounds what is read of a CA file: a bundle of every public root
// is a few hundred KiB.
const maxCAFile = 4 << 20

// withExtraCA returns client, or a copy of it whose transport trusts the
// certificates in the file named by --cacert (flag, when set) or
// $ASC_CA_FILE in addition to the system roots. A file that cannot be read
// or holds no certificate is a configuration mistake: exit 2, its contents
// never shown.
func (c *cmd) withExtraCA(client *http.Client, flag string) (*http.Client, error) {
	name, from := flag, "--cacert"
	if name == "" {
		if v, ok := c.lookupEnv(caFileEnv); ok && v != "" {
			name, from = v, caFileEnv
		}
	}
	if name == "" {
		return client, nil
	}
	pool, err := c.loadCAFile(name, from)
	if err != nil {
		return nil, &configError{err}
	}
	var tr *http.Transport
	if t, ok := client.Transport.(*http.Transport); ok {
		tr = t.Clone()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{}
	}
	tr.TLSClientConfig.RootCAs = pool
	hc := *client
	hc.Transport = tr
	return &hc, nil
}

// loadCAFile returns the system roots (a new pool where the system offers
// none) with the certificates of the PEM file name added.
func (c *cmd) loadCAFile(name, from string) (*x509.CertPool, error) {
	shown := redact.Show(name, 1024)
	data, err := readBounded(c.resolve(name), maxCAFile)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the CA file %s: %w; name a PEM file of certificates, such as the ca.pem that ascjwt serve writes", from, shown, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		what := "no PEM certificate (-----BEGIN CERTIFICATE-----)"
		if redact.LooksLikeKey(string(data)) {
			what = "what looks like a private key, not a certificate"
		}
		return nil, fmt.Errorf("%s: the CA file %s (%s) holds %s; name a PEM file of certificates, such as the ca.pem that ascjwt serve writes", from, shown, redact.Bytes(len(data)), what)
	}
	return pool, nil
}
