package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/keyparse"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// defaultShutdownGrace is how long serve waits, once told to stop, for
// requests in flight to finish before it closes their connections: a client
// that sent half a request must not keep the server, and its temporary
// folder, alive.
const defaultShutdownGrace = 5 * time.Second

// readyComment starts the last line of serve's output: a reader of its
// stdout knows the server is ready when it reads it.
const readyComment = "# ascjwt serve is ready"

// caFileName is the name serve gives the server's certificate in its folder.
const caFileName = "ca.pem"

func (c *cmd) serve(args []string) error {
	fs := c.newFlags("serve", "[--api NAME] [--addr HOST:PORT] [--http] [--env-file FILE] [--dir DIR] [--rate-limit N]", `
Run one of ascjwt's fakes on loopback until interrupted (Ctrl-C, SIGTERM or
SIGHUP: it closes, removes what it wrote unless --dir was given, and exits
0), for tests written in any language. Each checks every token the way Apple
does and answers as Apple does. --api names the fake:

  asc              App Store Connect API and App Store Server API (the default):
                   /v1/apps with paging, X-Rate-Limit, Apple's 401 and 429
  apns             APNs: POST /3/device/{token}, HTTP/2 over TLS only
  musickit         Apple Music API
  weatherkit       WeatherKit REST API
  maps             Maps Server API: its token endpoint and /v1/geocode
  axm              Apple Business Manager API: its token endpoint and API
  signinwithapple  Sign in with Apple: /auth/authorize and /auth/token

Once it listens, it prints the lines a shell sources, and writes them to
--env-file (atomically: a reader sees all of it or nothing), ending with a
comment that says it is ready and names its pid:

  export ASC_BASE_URL='https://127.0.0.1:PORT'
  export ASC_KEY_ID='...'
  export ASC_ISSUER_ID='...'
  export ASC_PRIVATE_KEY_PATH='DIR/AuthKey_<KEYID>.p8'
  export ASC_CA_FILE='DIR/ca.pem'     (with --http: unset ASC_CA_FILE)
  export ASC_ROOT_CA_FILE='DIR/root-ca.pem'  (--api asc: the root of what /inApps/ signs)
  # ascjwt serve is ready (pid N) ...

The other fakes write the same under their own prefix (APNS_, MUSICKIT_,
WEATHERKIT_, MAPS_, AXM_, SIWA_), with what their clients need in place of
the issuer ID: the team ID (_TEAM_ID), WeatherKit's _SERVICE_ID, the token
endpoint (_TOKEN_URL) of maps, axm and signinwithapple, axm's _CLIENT_ID
and _SCOPE, Sign in with Apple's _CLIENT_ID and _AUTH_URL.

The key is new on every run and lives only as long as the server. Every
request is logged on stderr: method, path, status, and why a request was
refused. ascjwt api reads ASC_BASE_URL and trusts ASC_CA_FILE, so that

  ascjwt serve --env-file asc.env &
  until grep -qs "(pid $!)" asc.env; do sleep 0.1; done
  . ./asc.env
  ascjwt api /v1/apps
  curl --cacert "$ASC_CA_FILE" -H "Authorization: Bearer $(ascjwt token)" "$ASC_BASE_URL/v1/apps"

work with no flag. An env file left by a run that was killed is removed
before the server listens. --addr takes loopback addresses only: the server
hands out a working key to whoever reads its output, and its certificate
names only 127.0.0.1 and ::1.`)
	var apiName string
	fs.Var(newChoice(&apiName, "asc", fakeNames()...), "api", "the `fake` to run: "+strings.Join(fakeNames(), ", "))
	addr := fs.String("addr", "127.0.0.1:0", "the loopback `address` to listen on, host:port; port 0 picks a free one")
	plain := fs.Bool("http", false, "serve plain HTTP instead of TLS")
	envFile := fs.String("env-file", "", "also write the export lines to this `file`, atomically, once the server is ready; removed on exit")
	dir := fs.String("dir", "", "the `directory` to write the key and certificate in, kept on exit (default: a new temporary folder, removed on exit)")
	rateLimit := fs.Int("rate-limit", asctest.DefaultRateLimit, "the hourly request `limit` per key, for --api asc; past it, 429")
	notifyURL := fs.String("notify-url", "", "for --api asc, deliver the TEST notification of POST /inApps/v1/notifications/test to this `URL`")
	if err := fs.parseFlagsOnly(args); err != nil {
		return err
	}
	api, ok := lookupFake(apiName)
	if !ok {
		return usagef("--api %s: no such fake; want one of %s", describeArg(apiName), strings.Join(fakeNames(), ", "))
	}
	if *plain && api.tlsOnly {
		return usagef("--http does not go with --api %s: %s speaks HTTP/2, which serve (like Go's server) serves over TLS only", api.name, api.title)
	}
	if err := checkLoopback(*addr); err != nil {
		return err
	}
	if *rateLimit < 1 {
		return usagef("--rate-limit %d: want 1 or more requests an hour", *rateLimit)
	}
	if fs.isSet("rate-limit") && !api.rateLimited {
		return usagef("--rate-limit is for --api asc; the %s fake has no hourly limit", api.title)
	}
	if err := checkNotifyURL(*notifyURL, api); err != nil {
		return err
	}
	if *envFile != "" {
		p := c.resolve(*envFile)
		if err := checkEnvFile(p); err != nil {
			return err
		}
		// One left by a run that was killed names a dead server: gone
		// before this one listens, so that nothing waiting for the file
		// finds that one.
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return &configError{fmt.Errorf("--env-file: remove the one an earlier run left: %w", err)}
		}
	}

	// SIGINT comes through c.ctx (main); SIGTERM, what kill and CI runners
	// send, and SIGHUP, what a closed terminal or SSH session sends, stop
	// the server cleanly too: each removes what serve wrote.
	ctx, stop := signal.NotifyContext(c.ctx, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	folder, removeFolder, err := c.serveFolder(*dir)
	if err != nil {
		return err
	}
	defer removeFolder()

	l, err := listenLoopback(ctx, *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	log := &lockedWriter{w: c.stderr}
	fake := api.make(log.println)
	srv := fake.srv
	srv.Listener.Close() // the listener httptest made: ours replaces it
	srv.Listener = l
	if fake.rateLimit != nil {
		fake.rateLimit(*rateLimit)
	}
	if fake.store != nil {
		fake.store.SetNotificationURL(*notifyURL)
	}
	if !fake.logs {
		srv.Config.Handler = logResponses(srv.Config.Handler, log.println)
	}
	var certPEM []byte
	if *plain {
		srv.Start()
	} else {
		// Not httptest's certificate: its private key is public, in Go's
		// source, and it is a CA; a client told to trust it (ASC_CA_FILE
		// left in a shell, --cacert) would trust anyone's certificate for
		// any host, api.appstoreconnect.apple.com included. This one's key
		// is made now and lives in memory only.
		cert, err := newServeCertificate(c.now())
		if err != nil {
			l.Close()
			return err
		}
		if srv.TLS == nil {
			srv.TLS = &tls.Config{}
		}
		srv.TLS.Certificates = []tls.Certificate{cert}
		srv.StartTLS()
		certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	}
	defer c.closeServer(fake, log)

	creds := fake.creds()
	keyData, err := keyPEM(creds.key)
	if err != nil {
		return err
	}
	keyPath := filepath.Join(folder, keyparse.FileName(creds.keyID))
	if err := writeNew(keyPath, keyData); err != nil {
		return err
	}
	vars := [][2]string{{"BASE_URL", srv.URL}, {"KEY_ID", creds.keyID}}
	vars = append(vars, creds.vars...)
	vars = append(vars, [2]string{"PRIVATE_KEY_PATH", keyPath})
	if fake.store != nil {
		rootPath, err := writeStoreRoot(folder, fake.store)
		if err != nil {
			return err
		}
		vars = append(vars, [2]string{"ROOT_CA_FILE", rootPath})
	}
	caVar := api.prefix + "_CA_FILE"
	caPath := ""
	if !*plain {
		caPath = filepath.Join(folder, caFileName)
		if err := writeAtomic(caPath, certPEM, 0o644); err != nil {
			return err
		}
		vars = append(vars, [2]string{"CA_FILE", caPath})
	}
	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, "export %s_%s=%s\n", api.prefix, v[0], shellQuote(v[1]))
	}
	if *plain {
		// A CA file left in the shell by an earlier TLS run names a
		// removed file; sourcing this must leave the shell consistent.
		fmt.Fprintf(&b, "unset %s\n", caVar)
	}
	fmt.Fprintf(&b, "%s (pid %d); Ctrl-C or SIGTERM stops it\n", readyComment, os.Getpid())
	env := b.String()

	if *envFile != "" {
		p := c.resolve(*envFile)
		if err := writeAtomic(p, []byte(env), 0o600); err != nil {
			return err
		}
		// The file names a server and files that are gone once it stops:
		// a script that waits for it must not find a stale one.
		defer removeIfSame(p, []byte(env))
	}
	scheme := "TLS, trust " + caPath
	if *plain {
		scheme = "plain HTTP"
	}
	kept := ""
	if *dir != "" {
		kept = ", kept on exit"
	}
	limit := ""
	if fake.rateLimit != nil {
		limit = fmt.Sprintf("; %d requests an hour per key", *rateLimit)
	}
	log.println(fmt.Sprintf("ascjwt serve: a fake %s at %s (%s); key %s in %s%s%s",
		api.title, srv.URL, scheme, creds.keyID, folder, kept, limit))
	if _, err := io.WriteString(c.stdout, env); err != nil {
		return err
	}
	log.println("ascjwt serve: ready; Ctrl-C or SIGTERM stops it")

	<-ctx.Done()
	log.println("ascjwt serve: stopping")
	return nil
}

// checkLoopback refuses an --addr that is not host:port with a loopback
// host. The value is shown only when it cannot be a secret.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--addr %s: want host:port on loopback, such as 127.0.0.1:0 or [::1]:8443", redact.Show(addr, 64))
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usagef("--addr %s is not on loopback; serve listens only on 127.0.0.1, ::1 or localhost (it hands a working key to whoever reads its output, and its certificate names only 127.0.0.1 and ::1)", redact.Show(addr, 64))
}

// listenLoopback listens on addr, checked by checkLoopback. "localhost" is
// resolved here and each address checked again: a hosts file that maps it
// elsewhere must not put the server on the network.
func listenLoopback(ctx context.Context, addr string) (net.Listener, error) {
	host, port, _ := net.SplitHostPort(addr)
	if host != "localhost" {
		return net.Listen("tcp", addr)
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ip.IP.String(), port))
		if err == nil {
			return l, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, errors.New("localhost resolves to no loopback address; use 127.0.0.1 or [::1]")
	}
	return nil, errors.Join(errs...)
}

// checkEnvFile makes sure, before anything starts, that the env file can be
// written where it is asked for, and that it would not replace (and, on
// exit, remove) a file of the user's: a mistyped folder, or --env-file
// ~/.profile, is a usage mistake found at once. An env file left by an
// earlier run, killed before it could remove it, is replaced.
func checkEnvFile(path string) error {
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil || !fi.IsDir() {
		return usagef("--env-file: the folder %s does not exist; make it first, or name a file in an existing folder", redact.Show(filepath.Dir(path), 256))
	}
	fi, err = os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return &configError{fmt.Errorf("--env-file: %w", err)}
	case fi.IsDir():
		return usagef("--env-file %s is a folder; name a file", redact.Show(path, 256))
	case !fi.Mode().IsRegular() || fi.Size() > 64<<10:
		return usagef("--env-file %s exists and is not one that ascjwt serve wrote; remove it, or name another file", redact.Show(path, 256))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return &configError{fmt.Errorf("--env-file: %w", err)}
	}
	if len(data) > 0 && !bytes.Contains(data, []byte("\n"+readyComment)) {
		return usagef("--env-file %s exists and is not one that ascjwt serve wrote; remove it, or name another file", redact.Show(path, 256))
	}
	return nil
}

// serveFolder returns the folder for the key and certificate, and what
// removes it on exit: --dir is made if needed and kept; without it a new
// temporary folder is made and removed.
func (c *cmd) serveFolder(dir string) (string, func(), error) {
	if dir != "" {
		p := c.resolve(dir)
		if err := os.MkdirAll(p, 0o700); err != nil {
			return "", nil, &configError{fmt.Errorf("--dir: %w", err)}
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", nil, err
		}
		return abs, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "ascjwt-serve-")
	if err != nil {
		return "", nil, err
	}
	return tmp, func() {
		if err := os.RemoveAll(tmp); err != nil {
			c.note("ascjwt serve: remove %s: %v", tmp, err)
		}
	}, nil
}

// closeServer closes the fake, giving requests in flight the grace period
// to finish and then closing their connections.
func (c *cmd) closeServer(fake *fakeServer, log *lockedWriter) {
	grace := c.shutdownGrace
	if grace == 0 {
		grace = defaultShutdownGrace
	}
	done := make(chan struct{})
	go func() {
		fake.close()
		close(done)
	}()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		log.println(fmt.Sprintf("ascjwt serve: requests still open after %s; closing their connections", grace))
		fake.srv.CloseClientConnections()
		<-done
	}
}

// newServeCertificate makes a self-signed certificate for 127.0.0.1, ::1
// and localhost, with a P-256 key of its own that never leaves memory. It is
// its own root (clients add it to their trusted roots), and its name
// constraints hold it to loopback should a client treat it as a CA.
func newServeCertificate(now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate serial: %w", err)
	}
	_, v4, _ := net.ParseCIDR("127.0.0.0/8")
	_, v6, _ := net.ParseCIDR("::1/128")
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ascjwt serve, this run only"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		PermittedDNSDomains:   []string{"localhost"},
		PermittedIPRanges:     []*net.IPNet{v4, v6},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// shellQuote quotes s for sh, bash and zsh: single quotes hold everything
// but a single quote, which is written '\”.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeAtomic writes data to path through a temporary file in the same
// folder and a rename, so that a reader sees the old file, or none, or the
// whole new one, never half of it.
func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cherr := f.Chmod(mode)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, cherr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// removeIfSame removes path if it still holds data: if another run has
// replaced it since, that file is not this run's to remove.
func removeIfSame(path string, data []byte) {
	if got, err := os.ReadFile(path); err == nil && bytes.Equal(got, data) {
		os.Remove(path)
	}
}

// lockedWriter serialises lines from the server's goroutines, one per
// request, onto stderr.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) println(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, escapeText(line)) // paths, from TMPDIR or --dir, may hold anything
}
