package asctest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// clientsNow is the server's clock in the tests of this file: a moment with
// a fraction of a second, as a real clock reads.
var clientsNow = time.Date(2026, 11, 27, 10, 0, 0, 123_456_789, time.UTC)

// clientsServer starts a server on clientsNow and returns it with its first
// key's header, typ JWT.
func clientsServer(t *testing.T) (srv *Server, k Key, hdr string) {
	srv = newServer(t)
	srv.SetClock(func() time.Time { return clientsNow })
	k = srv.Key()
	return srv, k, fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"JWT"}`, k.ID)
}

// sendAs sends a GET for path with a token of header and payload signed by
// hand with the server's first key, and returns the status and the rule of
// a refusal (from Stats.LastRejection, which the App Store Server API's 401
// does not carry).
func sendAs(t *testing.T, srv *Server, path, header, payload string) (int, string) {
	t.Helper()
	before := srv.Stats().Rejected
	resp, _ := storeGet(t, srv, path, "Bearer "+signRaw(srv.Key().PrivateKey, header, payload))
	if resp.StatusCode == http.StatusUnauthorized && srv.Stats().Rejected == before+1 {
		return resp.StatusCode, srv.Stats().LastRejection
	}
	return resp.StatusCode, ""
}

// TestTokensAsRealClientsMakeThemAreAccepted: tokens in the exact shape
// that the clients people use against App Store Connect and the App Store
// Server API make them, each row naming the client and where it makes its
// token, are accepted, as Apple accepts them. The fake was once stricter
// than Apple on fractions of a second, a missing iat and a missing typ.
func TestTokensAsRealClientsMakeThemAreAccepted(t *testing.T) {
	srv, k, _ := clientsServer(t)
	now := clientsNow.Unix()
	// A Double's seconds, as Swift's JSONEncoder writes a Date (and
	// TimeInterval) with .secondsSince1970: the fraction is kept.
	swiftNow := float64(clientsNow.UnixNano()) / 1e9
	const history = "/inApps/v1/history/2000000123456789"
	for _, tc := range []struct {
		client          string
		path            string
		header, payload string
	}{
		{
			client:  "Apple's App Store Server Library for Swift (Sources/AppStoreServerLibrary/AppStoreServerAPIClient.swift, vapor/jwt-kit: iat and exp as Doubles)",
			path:    history,
			header:  fmt.Sprintf(`{"typ":"JWT","kid":%q,"alg":"ES256"}`, k.ID),
			payload: fmt.Sprintf(`{"exp":%.6f,"iss":%q,"bid":"com.example.app","aud":"appstoreconnect-v1","iat":%.6f}`, swiftNow+300, k.IssuerID, swiftNow),
		},
		{
			client:  "Apple's App Store Server Library for Python (appstoreserverlibrary/api_client.py, PyJWT: no iat)",
			path:    history,
			header:  fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"JWT"}`, k.ID),
			payload: fmt.Sprintf(`{"bid":"com.example.app","iss":%q,"aud":"appstoreconnect-v1","exp":%d}`, k.IssuerID, now+300),
		},
		{
			client:  "Apple's App Store Server Library for Node (index.ts, jsonwebtoken with expiresIn 5m)",
			path:    history,
			header:  fmt.Sprintf(`{"alg":"ES256","typ":"JWT","kid":%q}`, k.ID),
			payload: fmt.Sprintf(`{"bid":"com.example.app","iat":%d,"exp":%d,"aud":"appstoreconnect-v1","iss":%q}`, now, now+300, k.IssuerID),
		},
		{
			client:  "cidertool/asc-go (asc/auth.go, dgrijalva/jwt-go v4: aud an array, exp in microseconds, no iat)",
			path:    "/v1/apps",
			header:  fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"JWT"}`, k.ID),
			payload: fmt.Sprintf(`{"aud":["appstoreconnect-v1"],"exp":%.6f,"iss":%q}`, swiftNow+1200, k.IssuerID),
		},
		{
			client:  "fastlane 2019 to 2022 (spaceship/lib/spaceship/connect_api/token.rb, ruby-jwt: a header of kid and alg only, no iat)",
			path:    "/v1/apps",
			header:  fmt.Sprintf(`{"kid":%q,"alg":"ES256"}`, k.ID),
			payload: fmt.Sprintf(`{"iss":%q,"exp":%d,"aud":"appstoreconnect-v1"}`, k.IssuerID, now+1200),
		},
		{
			client:  "AvdLee/appstoreconnect-swift-sdk (JWT.swift: exp a TimeInterval Double, no iat)",
			path:    "/v1/apps",
			header:  fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"JWT"}`, k.ID),
			payload: fmt.Sprintf(`{"iss":%q,"exp":%v,"aud":"appstoreconnect-v1"}`, k.IssuerID, swiftNow+1200),
		},
	} {
		t.Run(tc.client, func(t *testing.T) {
			if status, rule := sendAs(t, srv, tc.path, tc.header, tc.payload); status != http.StatusOK {
				t.Fatalf("%d (%s); want 200: Apple takes this client's tokens", status, rule)
			}
		})
	}
}

// TestTimesAreAnyJSONNumberOfSeconds: exp and iat with fractions of a
// second, or in exponent form, are accepted, because RFC 7519 section 2
// makes a NumericDate any JSON number and Apple's own Swift library sends
// fractions; what is no number of seconds is refused, and so is a time in
// milliseconds, as before.
func TestTimesAreAnyJSONNumberOfSeconds(t *testing.T) {
	srv, k, hdr := clientsServer(t)
	now := clientsNow.Unix()
	claims := func(iat, exp string) string {
		return fmt.Sprintf(`{"iss":%q,"iat":%s,"exp":%s,"aud":"appstoreconnect-v1"}`, k.IssuerID, iat, exp)
	}
	for _, tc := range []struct {
		name, iat, exp string
		rule           string // empty: accepted
	}{
		{"fractional iat and exp", fmt.Sprintf("%d.25", now-60), fmt.Sprintf("%d.25", now+1140), ""},
		{"exp in microseconds", fmt.Sprint(now), fmt.Sprintf("%d.654321", now+600), ""},
		{"exponent form", fmt.Sprintf("%de0", now), fmt.Sprintf("%.9e", float64(now+600)), ""},
		{"exactly 20 minutes, in fractions", fmt.Sprintf("%d.999999", now-1), fmt.Sprintf("%d.999999", now+1199), ""},
		{"20 minutes and a millisecond", fmt.Sprintf("%d.5", now-1), fmt.Sprintf("%d.502", now+1199), "lifetime: "},
		{"iat a string", fmt.Sprintf(`"%d"`, now), fmt.Sprint(now + 600), "format: claim iat is not a time"},
		{"exp a string", fmt.Sprint(now), fmt.Sprintf(`"%d"`, now+600), "format: claim exp is not a time"},
		{"exp true", fmt.Sprint(now), "true", "format: claim exp is not a time"},
		{"exp past float64", fmt.Sprint(now), "1e400", "format: claim exp is not a time"},
		{"exp a fraction past the expiry", fmt.Sprintf("%d", now-600), fmt.Sprintf("%d.1", now-1), "exp: the token expired"},
		{"milliseconds", fmt.Sprint(clientsNow.UnixMilli()), fmt.Sprint(clientsNow.UnixMilli() + 600_000), "iat: iat is past the year 9999"},
		{"exp in milliseconds", fmt.Sprint(now), fmt.Sprint(clientsNow.UnixMilli() + 600_000), "exp: exp is past the year 9999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, rule := sendAs(t, srv, "/v1/apps", hdr, claims(tc.iat, tc.exp))
			switch {
			case tc.rule == "" && status != http.StatusOK:
				t.Fatalf("%d (%s); want 200", status, rule)
			case tc.rule != "" && (status != http.StatusUnauthorized || !strings.HasPrefix(rule, tc.rule)):
				t.Fatalf("%d (%s); want 401 by %q", status, rule, tc.rule)
			}
		})
	}
}

// TestTypIsOptionalButJWTWhenPresent: fastlane sent App Store Connect a
// header of kid and alg alone from 2019 to 2022 (RFC 7519 section 5.1 makes
// typ optional), and Apple took it; a typ that is there must be "JWT".
func TestTypIsOptionalButJWTWhenPresent(t *testing.T) {
	srv, k, _ := clientsServer(t)
	body := fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"aud":"appstoreconnect-v1"}`, k.IssuerID, clientsNow.Unix()-60, clientsNow.Unix()+1140)
	for _, tc := range []struct {
		header string
		rule   string
	}{
		{fmt.Sprintf(`{"kid":%q,"alg":"ES256"}`, k.ID), ""},
		{fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"JWT"}`, k.ID), ""},
		{fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"jwt"}`, k.ID), `typ: header typ is "jwt"`},
		{fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"JOSE"}`, k.ID), `typ: header typ is "JOSE"`},
		{fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":null}`, k.ID), "typ: header typ is null"},
		{fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":1}`, k.ID), "format: header typ is not a string"},
	} {
		status, rule := sendAs(t, srv, "/v1/apps", tc.header, body)
		if tc.rule == "" && status != http.StatusOK || tc.rule != "" && (status != http.StatusUnauthorized || !strings.HasPrefix(rule, tc.rule)) {
			t.Errorf("header %s: %d (%s); want %q", tc.header, status, rule, tc.rule)
		}
	}
}

// TestBundleIDTokensBelongToTheAppStoreServerAPIAlone: "Creating API keys
// to authorize API requests" (App Store Server API) says of the In-App
// Purchase key that signs tokens with bid: "You can't use the key for other
// Apple services". So a token with bid gets App Store Connect's 401 on its
// routes, and its 60 minutes hold on /inApps/ only; and the App Store
// Server API takes team keys, so a bid token of an individual key (sub
// "user", no iss) is refused there.
func TestBundleIDTokensBelongToTheAppStoreServerAPIAlone(t *testing.T) {
	srv, k, hdr := clientsServer(t)
	now := clientsNow.Unix()
	bid60 := fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"aud":"appstoreconnect-v1","bid":"com.example.app"}`, k.IssuerID, now, now+3600)
	const history = "/inApps/v1/history/2000000123456789"

	if status, rule := sendAs(t, srv, history, hdr, bid60); status != http.StatusOK {
		t.Fatalf("a 60-minute bid token on the App Store Server API: %d (%s)", status, rule)
	}
	for _, path := range []string{"/v1/apps", "/v1/apps/1000000001", "/v1/builds"} {
		status, errs, _ := get(t, srv, path, "Bearer "+signRaw(k.PrivateKey, hdr, bid60))
		if status != http.StatusUnauthorized || len(errs) != 1 || errs[0].Code != "NOT_AUTHORIZED" || !strings.HasPrefix(srv.Stats().LastRejection, "bid: bid belongs to the App Store Server API") {
			t.Errorf("a bid token on %s: %d %v (%s); want App Store Connect's 401 by rule bid", path, status, errs, srv.Stats().LastRejection)
		}
	}
	short := fmt.Sprintf(`{"iss":%q,"iat":%d,"exp":%d,"aud":"appstoreconnect-v1","bid":"com.example.app"}`, k.IssuerID, now, now+600)
	if status, rule := sendAs(t, srv, "/v1/apps", hdr, short); status != http.StatusUnauthorized || !strings.HasPrefix(rule, "bid: ") {
		t.Errorf("a 10-minute bid token on /v1/apps: %d (%s); want 401 by rule bid, whatever its lifetime", status, rule)
	}

	ind := srv.AddIndividualKey()
	indHdr := fmt.Sprintf(`{"alg":"ES256","kid":%q,"typ":"JWT"}`, ind.ID)
	indBid := fmt.Sprintf(`{"sub":"user","iat":%d,"exp":%d,"aud":"appstoreconnect-v1","bid":"com.example.app"}`, now, now+600)
	resp, _ := storeGet(t, srv, history, "Bearer "+signRaw(ind.PrivateKey, indHdr, indBid))
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(srv.Stats().LastRejection, "bid: a token with bid is for the App Store Server API, which takes a team's") {
		t.Errorf("an individual key's bid token: %d (%s); want 401 by rule bid", resp.StatusCode, srv.Stats().LastRejection)
	}
	if _, err := Verify(signRaw(ind.PrivateKey, indHdr, indBid), &ind.PrivateKey.PublicKey, VerifyOptions{Now: clientsNow, Individual: true}); err == nil {
		t.Error("Verify accepts an individual key's bid token")
	}
}
