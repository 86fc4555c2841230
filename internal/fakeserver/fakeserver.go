// Package fakeserver is the toolkit every fake Apple API of this module is
// built from (asctest, apnstest, musickittest, weatherkittest, mapstest,
// axmtest, signinwithappletest), so that they read alike and say things in
// one vocabulary, asctest's:
//
//   - [NewUnstarted]: the [httptest.Server] a fake embeds, as quiet as a
//     test wants it. Each fake offers NewServer (its NewUnstartedServer
//     started with TLS, through [StartedTLS]), NewUnstartedServer, URL,
//     Client and Close, as net/http/httptest does.
//   - [fakeclock.Clock]: the fake's clock, which its configs share; Now,
//     Advance and SetClock.
//   - [Keys]: the registry of the keys a fake knows, of one team (and of
//     none, for App Store Connect's individual keys), with Revoke.
//   - [Account]: embedded in the fake of an API that takes a developer
//     token and answers a refused one with a bare 401 (MusicKit,
//     WeatherKit): Key, TeamID, AddKey, Revoke, RevokeTokens, Now, Advance,
//     SetClock, Stats and Handle, over a [Gate] that checks each request
//     and keeps the counters of [Stats] (Accepted, Rejected, Tokens,
//     LastRejection).
//   - [Endpoint]: embedded in the fake of a token endpoint that exchanges a
//     signed JWT for opaque access tokens (Maps, Business Manager): Now,
//     Advance, SetClock, SetTokenLifetime, Recover, Hang, Release and
//     RevokeTokens, over [Faults] and [AccessTokens]; each fake adds Fail
//     in its API's error shape.
//
// A fake with rules of its own (asctest's rate limits, APNs' 403 reasons)
// takes the parts it needs: [NewUnstarted], [Keys], [fakeclock.Clock],
// [Bearer], [WriteJSON].
//
// Tokens are read with internal/fakejwt; tests of the fakes sign what no
// library would with internal/jwsforge. A fake's Config, ConfigFor and
// routes stay its own, in its API's words.
package fakeserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
)

// NewUnstarted returns an unstarted [httptest.Server] for h. Closing a
// server with connections open makes net/http log their handshakes cut
// short: noise in a test's output, so its error log is discarded.
func NewUnstarted(h http.Handler) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	return s
}

// idLen is the length of Apple's key IDs and Team IDs.
const idLen = 10

// NewID makes a 10-character ID of upper-case letters and digits, the form
// of Apple's key and Team IDs.
func NewID() string {
	return rand.Text()[:idLen] // base32: A-Z and 2-7, uniformly
}

// NewUUID makes a random (version 4) UUID in lower case, the form of App
// Store Connect's issuer IDs and of Business Manager's key IDs.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// NewToken makes an opaque access token: 32 random bytes in base64url.
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewKey makes a P-256 key in memory.
func NewKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("fakeserver: generate a P-256 key: " + err.Error()) // crypto/rand does not fail
	}
	return k
}

// Bearer returns the token of the request's one "Authorization: Bearer
// <token>" header, or an error that says what is wrong with the header
// (and never quotes it).
func Bearer(r *http.Request) (string, error) {
	auth := r.Header.Values("Authorization")
	switch {
	case len(auth) == 0:
		return "", errors.New("no Authorization header")
	case len(auth) > 1:
		return "", errors.New("more than one Authorization header")
	}
	value, ok := strings.CutPrefix(auth[0], "Bearer ")
	switch {
	case !ok:
		return "", errors.New(`the Authorization header does not start with "Bearer "`)
	case value == "":
		return "", errors.New("the Authorization header holds no bearer token")
	}
	return value, nil
}

// WriteJSON answers v as JSON with status, as Apple's APIs write it.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
