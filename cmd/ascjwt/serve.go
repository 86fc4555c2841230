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
	fs := c.newFlags("serve", "[--addr HOST:PORT] [--http] [--env-file FILE] [--dir DIR] [--rate-limit N]", `
Run asctest, the fake App Store Connect API, on loopback until interrupted
(Ctrl-C or SIGTERM: it closes, removes what it wrote unless --dir was given,
and exits 0), for tests written in any language. It checks every token the
way Apple does, serves /v1/apps with paging, counts each key's requests in
X-Rate-Limit and answers 401 and 429 as Apple does.

Once it listens, it prints the lines a shell sources, and writes them to
--env-file (atomically: a reader sees all of it or nothing), ending with a
comment that says it is ready:

  export ASC_BASE_URL='https://127.0.0.1:PORT'
  export ASC_KEY_ID='...'
  export ASC_ISSUER_ID='...'
  export ASC_PRIVATE_KEY_PATH='DIR/AuthKey_<KEYID>.p8'
  export ASC_CA_FILE='DIR/ca.pem'     (with --http: unset ASC_CA_FILE)
  export ASC_ROOT_CA_FILE='DIR/root-ca.pem'  (the root of what /inApps/ signs)
  # ascjwt serve is ready ...

The key is new on every run and lives only as long as the server. Every
request is logged on stderr: method, path, status, and the rule a refused
token broke. ascjwt api reads ASC_BASE_URL and trusts ASC_CA_FILE, so that

  ascjwt serve --env-file asc.env &
  while [ ! -s asc.env ]; do sleep 0.1; done
  . ./asc.env
  ascjwt api /v1/apps
  curl --cacert "$ASC_CA_FILE" -H "Authorization: Bearer $(ascjwt token)" "$ASC_BASE_URL/v1/apps"

work with no flag. --addr takes loopback addresses only: the server hands out
a working key to whoever reads its output, and its certificate names only
127.0.0.1 and ::1.`)
	addr := fs.String("addr", "127.0.0.1:0", "the loopback `address` to listen on, host:port; port 0 picks a free one")
	plain := fs.Bool("http", false, "serve plain HTTP instead of TLS")
	envFile := fs.String("env-file", "", "also write the export lines to this `file`, atomically, once the server is ready; removed on exit")
	dir := fs.String("dir", "", "the `directory` to write the key and certificate in, kept on exit (default: a new temporary folder, removed on exit)")
	rateLimit := fs.Int("rate-limit", asctest.DefaultRateLimit, "the hourly request `limit` per key; past it, 429")
	notifyURL := fs.String("notify-url", "", "deliver the TEST notification of POST /inApps/v1/notifications/test to this `URL`")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %s; serve takes only flags", describeArg(rest[0]))
	}
	if err := checkLoopback(*addr); err != nil {
		return err
	}
	if *rateLimit < 1 {
		return usagef("--rate-limit %d: want 1 or more requests an hour", *rateLimit)
	}
	if err := checkNotifyURL(*notifyURL); err != nil {
		return err
	}
	if *envFile != "" {
		if err := checkEnvFile(c.resolve(*envFile)); err != nil {
			return err
		}
	}

	// SIGINT comes through c.ctx (main); SIGTERM, what kill and CI runners
	// send, stops the server cleanly too.
	ctx, stop := signal.NotifyContext(c.ctx, syscall.SIGTERM)
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
	srv := asctest.NewUnstartedServer()
	srv.Listener.Close() // the listener httptest made: ours replaces it
	srv.Listener = l
	srv.SetRateLimit(*rateLimit)
	srv.SetNotificationURL(*notifyURL)
	log := &lockedWriter{w: c.stderr}
	srv.SetRequestLog(func(e asctest.RequestLog) {
		log.println("ascjwt serve: " + e.String()) // String escapes the path
	})
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
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		srv.StartTLS()
	}
	defer c.closeServer(srv, log)

	k := srv.Key()
	keyPath := filepath.Join(folder, "AuthKey_"+k.ID+".p8")
	if err := writeNew(keyPath, k.PEM()); err != nil {
		return err
	}
	vars := [][2]string{
		{"ASC_BASE_URL", srv.URL},
		{"ASC_KEY_ID", k.ID},
		{"ASC_ISSUER_ID", k.IssuerID},
		{"ASC_PRIVATE_KEY_PATH", keyPath},
	}
	caPath := ""
	if !*plain {
		caPath = filepath.Join(folder, caFileName)
		if err := writeAtomic(caPath, srv.CertificatePEM(), 0o644); err != nil {
			return err
		}
		vars = append(vars, [2]string{caFileEnv, caPath})
	}
	rootVar, err := writeStoreRoot(folder, srv)
	if err != nil {
		return err
	}
	vars = append(vars, rootVar)
	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, "export %s=%s\n", v[0], shellQuote(v[1]))
	}
	if *plain {
		// A CA file left in the shell by an earlier TLS run names a
		// removed file; sourcing this must leave the shell consistent.
		fmt.Fprintf(&b, "unset %s\n", caFileEnv)
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
	log.println(fmt.Sprintf("ascjwt serve: a fake App Store Connect API at %s (%s); key %s in %s%s; %d requests an hour per key",
		srv.URL, scheme, k.ID, folder, kept, *rateLimit))
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
			fmt.Fprintf(c.stderr, "ascjwt serve: remove %s: %v\n", tmp, err)
		}
	}, nil
}

// closeServer closes the server, giving requests in flight the grace period
// to finish and then closing their connections.
func (c *cmd) closeServer(srv *asctest.Server, log *lockedWriter) {
	grace := c.shutdownGrace
	if grace == 0 {
		grace = defaultShutdownGrace
	}
	done := make(chan struct{})
	go func() {
		srv.Close()
		close(done)
	}()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		log.println(fmt.Sprintf("ascjwt serve: requests still open after %s; closing their connections", grace))
		srv.CloseClientConnections()
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
	fmt.Fprintln(l.w, line)
}
