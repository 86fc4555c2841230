package main

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/jws"
)

func (c *cmd) demo(args []string) error {
	fs := c.newFlags("demo", "[--requests N]", `
Show the package at work with no account and no network: start a fake App
Store Connect API (asctest) in this process with a fresh key made in memory,
send concurrent requests through ascjwt.NewClient, and print how many were
accepted, how many tokens were signed for them (one), the token they shared,
and a hand-broken token refused with Apple's error.`)
	n := fs.Int("requests", 300, "how many concurrent requests to send")
	if err := fs.parseFlagsOnly(args); err != nil {
		return err
	}
	if *n < 1 || *n > 10000 {
		return usagef("--requests %d: want 1 to 10000", *n)
	}
	start := time.Now()

	srv := asctest.NewServer()
	defer srv.Close()
	key := srv.Key()
	// The counting wrapper is a crypto.Signer like a KMS key would be: the
	// token source signs through it, so every signature is counted.
	signer := &countingSigner{key: key.PrivateKey}
	cfg := srv.Config()
	cfg.PrivateKey = signer
	src, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		return err
	}
	// A production client keeps a few connections open rather than one per
	// request; so does this one, which also spares the demo hundreds of TLS
	// handshakes.
	base := *srv.Client()
	if t, ok := base.Transport.(*http.Transport); ok {
		tr := t.Clone()
		tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost = 32, 32
		base.Transport = tr
		defer tr.CloseIdleConnections()
	}
	client := ascjwt.NewClient(&base, src)
	out := c.stdout
	fmt.Fprintf(out, "A fake App Store Connect API is listening at %s, in this process,\nwith a fresh P-256 key (ID %s) made in memory: no account, no network.\n\n", srv.URL, key.ID)

	var accepted, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range *n {
		wg.Go(func() {
			resp, err := client.Get(srv.URL + "/v1/apps")
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				accepted.Add(1)
			} else {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, resp.Status)
			}
		})
	}
	wg.Wait()
	st := srv.Stats()
	fmt.Fprintf(out, "%d concurrent GET /v1/apps through ascjwt.NewClient:\n", *n)
	fmt.Fprintf(out, "  requests sent:               %d\n", *n)
	fmt.Fprintf(out, "  accepted by the server:      %d\n", st.Accepted)
	fmt.Fprintf(out, "  answered 200 OK:             %d\n", accepted.Load())
	fmt.Fprintf(out, "  tokens signed:               %d\n", signer.n.Load())
	fmt.Fprintf(out, "  distinct tokens it received: %d\n\n", st.Tokens)

	tok, err := src.Token(c.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "The token they shared, decoded (ascjwt decode shows any token this way):")
	parts, err := splitToken(tok.Value)
	if err != nil {
		return err
	}
	if err := parts.writeJSON(out); err != nil {
		return err
	}
	writeTimes(out, parts.claims, srv.Now())

	// Break one rule by hand, as a hand-rolled token generator might:
	// a 21-minute lifetime, over Apple's 20.
	now := srv.Now().Unix() - 60
	by, err := jws.NewSigner(key.PrivateKey, key.ID)
	if err != nil {
		return err
	}
	claims, err := json.Marshal(map[string]any{"iss": key.IssuerID, "iat": now, "exp": now + 21*60, "aud": ascjwt.AudienceAppStoreConnect})
	if err != nil {
		return err
	}
	broken, err := by.Sign(c.ctx, claims)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, srv.URL+"/v1/apps", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+broken)
	resp, err := srv.Client().Do(req) // the plain client: this token is ours, not the source's
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	fmt.Fprintf(out, "\nA token made by hand with a 21-minute lifetime (Apple allows 20) is refused:\n  HTTP %s\n", resp.Status)
	if err := writeIndented(out, body); err != nil {
		return err
	}

	fmt.Fprintf(out, "\nDone in %s.\n", time.Since(start).Round(time.Millisecond))
	switch {
	case failed.Load() > 0:
		return fmt.Errorf("%d of %d requests failed, the first with: %v", failed.Load(), *n, firstErr.Load())
	case signer.n.Load() != 1 || st.Tokens != 1:
		return fmt.Errorf("%d signatures and %d distinct tokens for %d requests; want one of each", signer.n.Load(), st.Tokens, *n)
	case resp.StatusCode != http.StatusUnauthorized:
		return fmt.Errorf("the broken token got %s; want 401", resp.Status)
	}
	return nil
}

// countingSigner is a crypto.Signer around a key that counts signatures.
type countingSigner struct {
	key *ecdsa.PrivateKey
	n   atomic.Int64
}

func (s *countingSigner) Public() crypto.PublicKey { return s.key.Public() }

func (s *countingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.n.Add(1)
	return s.key.Sign(r, digest, opts)
}
