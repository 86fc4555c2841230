package apnstest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/apns"
	"github.com/ascjwt/ascjwt/internal/apitest"
	"github.com/ascjwt/ascjwt/internal/jwsforge"
)

const device = "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"

// handMade is a token of key k made now on the server's clock, signed by
// hand with internal/jwsforge (crypto/ecdsa, not package apns's signer), as
// an authorization value.
func handMade(srv *Server, k Key) string {
	return "bearer " + jwsforge.Sign(k.PrivateKey, `{"alg":"ES256","kid":"`+k.ID+`"}`, `{"iss":"`+k.TeamID+`","iat":`+jsonInt(srv.Now().Unix())+`}`)
}

// connection returns a client with a transport of its own, so one HTTP/2
// connection of its own, closed when the test ends.
func connection(t *testing.T, srv *Server) *http.Client {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// push sends one notification with a fresh connection, so that the
// connection's token rule does not mix cases, and returns the status,
// reason and apns-id.
func push(t *testing.T, srv *Server, client *http.Client, method, path, auth string, edit func(*http.Request)) (int, string, string) {
	t.Helper()
	if client == nil {
		client = connection(t, srv)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, strings.NewReader(`{"aps":{"alert":"hi"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("authorization", auth)
	}
	req.Header.Set("apns-topic", "com.example.app")
	if edit != nil {
		edit(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Errorf("answered over %s, want HTTP/2", resp.Proto)
	}
	body, _ := io.ReadAll(resp.Body)
	var r struct{ Reason string }
	if resp.StatusCode != 200 {
		if err := json.Unmarshal(body, &r); err != nil {
			t.Errorf("refusal body %q is not APNs' JSON: %v", body, err)
		}
		if resp.ContentLength != int64(len(body)) {
			t.Errorf("refusal declares Content-Length %d for %d bytes; APNs' judge reads a declared length", resp.ContentLength, len(body))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
	} else if len(body) != 0 {
		t.Errorf("200 with a body %q; APNs sends none", body)
	}
	return resp.StatusCode, r.Reason, resp.Header.Get("apns-id")
}

// TestServerRefusesEachBrokenRule: the fake takes a token made by hand by
// Apple's rules, and refuses each broken rule with APNs' status and reason.
func TestServerRefusesEachBrokenRule(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	k := srv.Key()
	other := apitest.NewKey(t)
	now := srv.Now().Unix()
	head := `{"alg":"ES256","kid":"` + k.ID + `"}`
	claims := func(iat int64) string {
		b, _ := json.Marshal(map[string]any{"iss": k.TeamID, "iat": iat})
		return string(b)
	}
	good := jwsforge.Sign(k.PrivateKey, head, claims(now))
	parts := strings.Split(good, ".")
	for _, tc := range []struct {
		name   string
		auth   string
		status int
		reason string
	}{
		{"Apple's token", "bearer " + good, 200, ""},
		{"Bearer in any case", "Bearer " + good, 200, ""},
		{"typ JWT", "bearer " + jwsforge.Sign(k.PrivateKey, `{"alg":"ES256","kid":"`+k.ID+`","typ":"JWT"}`, claims(now)), 200, ""},
		{"59 minutes old", "bearer " + jwsforge.Sign(k.PrivateKey, head, claims(now-59*60)), 200, ""},
		{"no authorization", "", 403, ReasonMissingProviderToken},
		{"not bearer", "Basic " + good, 403, ReasonMissingProviderToken},
		{"over an hour old", "bearer " + jwsforge.Sign(k.PrivateKey, head, claims(now-3601)), 403, ReasonExpiredProviderToken},
		{"iat in the future", "bearer " + jwsforge.Sign(k.PrivateKey, head, claims(now+60)), 403, ReasonInvalidProviderToken},
		{"no iat", "bearer " + jwsforge.Sign(k.PrivateKey, head, `{"iss":"`+k.TeamID+`"}`), 403, ReasonInvalidProviderToken},
		{"iat a string", "bearer " + jwsforge.Sign(k.PrivateKey, head, `{"iss":"`+k.TeamID+`","iat":"1"}`), 403, ReasonInvalidProviderToken},
		{"iat fractional", "bearer " + jwsforge.Sign(k.PrivateKey, head, `{"iss":"`+k.TeamID+`","iat":1.5}`), 403, ReasonInvalidProviderToken},
		{"no iss", "bearer " + jwsforge.Sign(k.PrivateKey, head, `{"iat":1}`), 403, ReasonInvalidProviderToken},
		{"another team", "bearer " + jwsforge.Sign(k.PrivateKey, head, `{"iss":"ZZZ999ZZZZ","iat":`+jsonInt(now)+`}`), 403, ReasonInvalidProviderToken},
		{"ISS spelt in upper case", "bearer " + jwsforge.Sign(k.PrivateKey, head, `{"ISS":"`+k.TeamID+`","iat":`+jsonInt(now)+`}`), 403, ReasonInvalidProviderToken},
		{"claim given twice", "bearer " + jwsforge.Sign(k.PrivateKey, head, `{"iss":"ZZZ999ZZZZ","iss":"`+k.TeamID+`","iat":`+jsonInt(now)+`}`), 403, ReasonInvalidProviderToken},
		{"alg HS256", "bearer " + jwsforge.Sign(k.PrivateKey, `{"alg":"HS256","kid":"`+k.ID+`"}`, claims(now)), 403, ReasonInvalidProviderToken},
		{"alg none", "bearer " + parts[0][:0] + base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"`+k.ID+`"}`)) + "." + parts[1] + ".", 403, ReasonInvalidProviderToken},
		{"no alg", "bearer " + jwsforge.Sign(k.PrivateKey, `{"kid":"`+k.ID+`"}`, claims(now)), 403, ReasonInvalidProviderToken},
		{"no kid", "bearer " + jwsforge.Sign(k.PrivateKey, `{"alg":"ES256"}`, claims(now)), 403, ReasonInvalidProviderToken},
		{"unknown kid", "bearer " + jwsforge.Sign(k.PrivateKey, `{"alg":"ES256","kid":"ZZZ999ZZZZ"}`, claims(now)), 403, ReasonInvalidProviderToken},
		{"typ other than JWT", "bearer " + jwsforge.Sign(k.PrivateKey, `{"alg":"ES256","kid":"`+k.ID+`","typ":"at+jwt"}`, claims(now)), 403, ReasonInvalidProviderToken},
		{"crit", "bearer " + jwsforge.Sign(k.PrivateKey, `{"alg":"ES256","kid":"`+k.ID+`","crit":["exp"]}`, claims(now)), 403, ReasonInvalidProviderToken},
		{"signed by another key", "bearer " + jwsforge.Sign(other, head, claims(now)), 403, ReasonInvalidProviderToken},
		{"signature changed", "bearer " + parts[0] + "." + parts[1] + "." + flip(parts[2]), 403, ReasonInvalidProviderToken},
		{"DER signature", "bearer " + jwsforge.SignDER(k.PrivateKey, head, claims(now)), 403, ReasonInvalidProviderToken},
		{"padded base64", "bearer " + parts[0] + "." + parts[1] + "." + parts[2] + "==", 403, ReasonInvalidProviderToken},
		{"two parts", "bearer " + parts[0] + "." + parts[1], 403, ReasonInvalidProviderToken},
		{"huge", "bearer " + strings.Repeat("a", 5000), 403, ReasonInvalidProviderToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, reason, id := push(t, srv, nil, "POST", "/3/device/"+device, tc.auth, nil)
			if status != tc.status || reason != tc.reason {
				t.Errorf("answer %d %q, want %d %q (%s)", status, reason, tc.status, tc.reason, srv.Stats().LastDetail)
			}
			if !isUUID(id) {
				t.Errorf("apns-id %q is not a UUID", id)
			}
			if detail := srv.Stats().LastDetail; strings.Contains(detail, parts[2]) || strings.Contains(detail, parts[1]) {
				t.Errorf("the refusal's detail quotes the token: %s", detail)
			}
		})
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// flip changes the signature's first character.
func flip(sig string) string {
	if sig[0] == 'A' {
		return "B" + sig[1:]
	}
	return "A" + sig[1:]
}

// TestServerRefusesBadRequests: with a good token, the path, method,
// device token, topic, apns-id and payload are checked as APNs does, and a
// good apns-id comes back.
func TestServerRefusesBadRequests(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	k := srv.Key()
	auth := handMade(srv, k)
	const id = messageID
	for _, tc := range []struct {
		name, method, path string
		edit               func(*http.Request)
		status             int
		reason             string
	}{
		{"apns-id echoed", "POST", "/3/device/" + device, func(r *http.Request) { r.Header.Set("apns-id", id) }, 200, ""},
		{"GET", "GET", "/3/device/" + device, nil, 405, ReasonMethodNotAllowed},
		{"other path", "POST", "/3/devices/" + device, nil, 404, ReasonBadPath},
		{"no device token", "POST", "/3/device/", nil, 404, ReasonBadPath},
		{"device token not hex", "POST", "/3/device/not-a-token", nil, 400, ReasonBadDeviceToken},
		{"no topic", "POST", "/3/device/" + device, func(r *http.Request) { r.Header.Del("apns-topic") }, 400, ReasonMissingTopic},
		{"apns-id not a UUID", "POST", "/3/device/" + device, func(r *http.Request) { r.Header.Set("apns-id", "1") }, 400, ReasonBadMessageID},
		{"empty payload", "POST", "/3/device/" + device, func(r *http.Request) { r.Body, r.ContentLength = http.NoBody, 0 }, 400, ReasonPayloadEmpty},
		{"payload over 4 KiB", "POST", "/3/device/" + device, func(r *http.Request) {
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(strings.Repeat("x", 4097))), 4097
		}, 413, ReasonPayloadTooLarge},
		// "Sending notification requests to APNs": 5 KiB for VoIP, 4 KiB
		// for every other push type.
		{"payload of 4 KiB", "POST", "/3/device/" + device, payload("alert", 4096), 200, ""},
		{"alert payload over 4 KiB", "POST", "/3/device/" + device, payload("alert", 4097), 413, ReasonPayloadTooLarge},
		{"background payload over 4 KiB", "POST", "/3/device/" + device, payload("background", 4097), 413, ReasonPayloadTooLarge},
		{"VoIP payload over 4 KiB", "POST", "/3/device/" + device, payload("voip", 4097), 200, ""},
		{"VoIP payload of 5 KiB", "POST", "/3/device/" + device, payload("voip", 5120), 200, ""},
		{"VoIP payload over 5 KiB", "POST", "/3/device/" + device, payload("voip", 5121), 413, ReasonPayloadTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, reason, got := push(t, srv, nil, tc.method, tc.path, auth, tc.edit)
			if status != tc.status || reason != tc.reason {
				t.Errorf("answer %d %q, want %d %q", status, reason, tc.status, tc.reason)
			}
			if tc.status == 200 && got != id {
				t.Errorf("apns-id = %q, want the request's %q", got, id)
			}
		})
	}
}

// messageID is the apns-id requests send, which the fake must echo.
const messageID = "123E4567-E89B-12D3-A456-4266554400A0"

// payload sets the request's push type and a payload of n bytes.
func payload(pushType string, n int) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set("apns-id", messageID)
		r.Header.Set("apns-push-type", pushType)
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(strings.Repeat("x", n))), int64(n)
	}
}

// TestTooManyProviderTokenUpdatesCountsFromIssueTime: Apple's
// "Establishing a token-based connection to APNs" asks for a token no more
// than once every 20 minutes, so a connection whose token is replaced by one
// made (iat) less than 20 minutes after it gets 429
// TooManyProviderTokenUpdates, however long the connection has used the old
// one; a token made 20 minutes later is taken, even on a connection opened a
// minute ago; a step back to an older token is refused too; a new
// connection may start with any token.
func TestTooManyProviderTokenUpdatesCountsFromIssueTime(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	// A clock that stands still between steps: on the real one, a step
	// could cross a second and make a token a second later than it says.
	srv.SetClock(func() time.Time { return apitest.Start })
	k := srv.Key()
	conn := connection(t, srv) // one HTTP/2 connection for every request
	var late *http.Client
	made0, sameTime := handMade(srv, k), handMade(srv, k) // ECDSA signatures differ: two tokens made at once
	var made19, made20, made39, made40 string
	steps := []struct {
		name    string
		advance time.Duration
		client  **http.Client
		auth    *string
		status  int
		reason  string
	}{
		{"first token", 0, &conn, &made0, 200, ""},
		{"same token again", 0, &conn, &made0, 200, ""},
		{"another token made at the same time", 0, &conn, &sameTime, 429, ReasonTooManyProviderTokenUpdates},
		{"a token made 19m59s later", 20*time.Minute - time.Second, &conn, &made19, 429, ReasonTooManyProviderTokenUpdates},
		{"a token made 20m later", time.Second, &conn, &made20, 200, ""},
		{"back to the first token", 0, &conn, &made0, 429, ReasonTooManyProviderTokenUpdates},
		{"a new connection at 39m with the 20m token", 19 * time.Minute, &late, &made20, 200, ""},
		{"the 39m connection: a token made at 39m", 0, &late, &made39, 429, ReasonTooManyProviderTokenUpdates},
		{"the 39m connection: a token made at 40m", time.Minute, &late, &made40, 200, ""},
		{"a new connection with any token", 0, nil, &sameTime, 200, ""},
	}
	for _, st := range steps {
		srv.Advance(st.advance)
		switch {
		case st.auth == &made19 && made19 == "":
			made19 = handMade(srv, k)
		case st.auth == &made20 && made20 == "":
			made20 = handMade(srv, k)
		case st.auth == &made39:
			made39 = handMade(srv, k)
		case st.auth == &made40:
			made40 = handMade(srv, k)
		}
		var client *http.Client
		if st.client != nil {
			if *st.client == nil {
				*st.client = connection(t, srv)
			}
			client = *st.client
		}
		status, reason, _ := push(t, srv, client, "POST", "/3/device/"+device, *st.auth, nil)
		if status != st.status || reason != st.reason {
			t.Errorf("%s: answer %d %q, want %d %q", st.name, status, reason, st.status, st.reason)
		}
	}
	if st := srv.Stats(); st.TokenUpdates != 2 || st.Refused[ReasonTooManyProviderTokenUpdates] != 4 || st.Accepted != 6 {
		t.Errorf("stats = %+v; want 2 token updates, 4 refusals for updates, 6 accepted", st)
	}
}

// TestSourceTokensNeverRefusedOnAnyConnection: package apns's source makes
// a token every 40 minutes; whenever a connection opens, at minute 39 say,
// it never gets 429 when the source's next token comes, one minute later.
// Pushed every minute for three hours on connections opened at 0, 19 and 39
// minutes, every push is taken.
func TestSourceTokensNeverRefusedOnAnyConnection(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	src := apitest.Must(t, apns.NewTokenSource, srv.Config())
	conns := map[int]*http.Client{}
	for minute := range 3 * 60 {
		if minute == 0 || minute == 19 || minute == 39 {
			conns[minute] = connection(t, srv)
		}
		for opened, client := range conns {
			tok := apitest.MustToken(t, src.Token)
			if status, reason, _ := push(t, srv, client, "POST", "/3/device/"+device, "bearer "+tok.Value, nil); status != 200 {
				t.Fatalf("minute %d, connection opened at %d: answer %d %s (%s)", minute, opened, status, reason, srv.Stats().LastDetail)
			}
		}
		srv.Advance(time.Minute)
	}
	if st := srv.Stats(); st.TokenUpdates < 3*4 {
		t.Errorf("stats = %+v; want the three connections to take each new token", st)
	}
}

// TestServerTakesAPNsTokens: the tokens of package apns pass, over HTTP/2,
// and a hundred requests share one.
func TestServerTakesAPNsTokens(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	src := apitest.Must(t, apns.NewTokenSource, srv.Config())
	client := connection(t, srv)
	for range 100 {
		tok := apitest.MustToken(t, src.Token)
		if status, reason, _ := push(t, srv, client, "POST", "/3/device/"+device, "bearer "+tok.Value, nil); status != 200 {
			t.Fatalf("answer %d %s: %s", status, reason, srv.Stats().LastDetail)
		}
	}
	if st := srv.Stats(); st.Accepted != 100 || st.Tokens != 1 {
		t.Errorf("stats = %+v; want 100 accepted with 1 token", st)
	}
}

// TestRevokeTokensRefusesTokensSeen: after RevokeTokens, tokens accepted
// before are refused with InvalidProviderToken and new ones pass.
func TestRevokeTokensRefusesTokensSeen(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	k := srv.Key()
	old := handMade(srv, k)
	if status, _, _ := push(t, srv, nil, "POST", "/3/device/"+device, old, nil); status != 200 {
		t.Fatalf("first answer %d", status)
	}
	srv.RevokeTokens()
	if status, reason, _ := push(t, srv, nil, "POST", "/3/device/"+device, old, nil); status != 403 || reason != ReasonInvalidProviderToken {
		t.Errorf("revoked token: answer %d %q, want 403 InvalidProviderToken", status, reason)
	}
	if status, _, _ := push(t, srv, nil, "POST", "/3/device/"+device, handMade(srv, k), nil); status != 200 {
		t.Errorf("new token: answer %d, want 200", status)
	}
}

// TestHTTP1IsRefused: APNs speaks HTTP/2 only; a request over HTTP/1.1
// gets 505.
func TestHTTP1IsRefused(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2 = false
	tr.TLSClientConfig.NextProtos = []string{"http/1.1"}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Post(srv.URL+"/3/device/"+device, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 1 || resp.StatusCode != http.StatusHTTPVersionNotSupported {
		t.Errorf("answer %s %d, want HTTP/1.1 505", resp.Proto, resp.StatusCode)
	}
}

// TestFailAndUnregisterAnswerAsAPNs: Fail makes every push that passes the
// token and header checks get the status and reason asked for (a 410 with
// the server's clock as timestamp) until Recover; Unregister makes pushes to
// one device token get 410 Unregistered with the time given, in
// milliseconds, as APNs sends it; other device tokens still get 200.
func TestFailAndUnregisterAnswerAsAPNs(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	k := srv.Key()
	auth := handMade(srv, k)
	client := connection(t, srv)
	body := func(dev string) (int, map[string]any) {
		req, err := http.NewRequest("POST", srv.URL+"/3/device/"+dev, strings.NewReader(`{"aps":{}}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("authorization", auth)
		req.Header.Set("apns-topic", "com.example.app")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if resp.StatusCode != 200 {
			if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, m
	}
	srv.Fail(http.StatusServiceUnavailable, apns.ReasonServiceUnavailable)
	if status, m := body(device); status != 503 || m["reason"] != apns.ReasonServiceUnavailable || m["timestamp"] != nil {
		t.Errorf("after Fail(503): %d %v, want 503 ServiceUnavailable without timestamp", status, m)
	}
	srv.Fail(http.StatusGone, apns.ReasonExpiredToken)
	before := float64(srv.Now().UnixMilli())
	status, m := body(device)
	if ts, _ := m["timestamp"].(float64); status != 410 || m["reason"] != apns.ReasonExpiredToken || ts < before || ts > float64(srv.Now().UnixMilli()) {
		t.Errorf("after Fail(410): %d %v, want 410 ExpiredToken with the server's time", status, m)
	}
	srv.Recover()
	at := time.Date(2026, 2, 3, 4, 5, 6, 7e6, time.UTC)
	other := strings.Repeat("ab", 32)
	srv.Unregister(strings.ToUpper(other), at)
	if status, m := body(other); status != 410 || m["reason"] != ReasonUnregistered || m["timestamp"] != float64(at.UnixMilli()) {
		t.Errorf("unregistered device: %d %v, want 410 Unregistered at %d", status, m, at.UnixMilli())
	}
	if status, _ := body(device); status != 200 {
		t.Errorf("another device: %d, want 200", status)
	}
}

// TestStatsVocabularyAndRevoke: the fakes' vocabulary: Rejected counts the
// requests refused for their token (and not others), LastRejection names the
// rule; Revoke refuses every token of a key, old and new, while another key's
// pass; SetClock moves the clock the configs share.
func TestStatsVocabularyAndRevoke(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	k, other := srv.Key(), srv.AddKey()
	old := handMade(srv, k)
	for _, st := range []struct {
		name   string
		auth   string
		path   string
		status int
	}{
		{"good", old, "/3/device/" + device, 200},
		{"no token", "", "/3/device/" + device, 403},
		{"bad device token, good token", old, "/3/device/xyz", 400},
	} {
		if status, _, _ := push(t, srv, nil, "POST", st.path, st.auth, nil); status != st.status {
			t.Errorf("%s: %d, want %d", st.name, status, st.status)
		}
	}
	if st := srv.Stats(); st.Accepted != 1 || st.Rejected != 1 || st.Tokens != 1 || !strings.Contains(st.LastRejection, "authorization") {
		t.Errorf("stats %+v; want 1 accepted, 1 rejected for its token (the missing header), 1 token", st)
	}
	srv.Revoke(k.ID)
	for _, auth := range []string{old, handMade(srv, k)} {
		if status, reason, _ := push(t, srv, nil, "POST", "/3/device/"+device, auth, nil); status != 403 || reason != ReasonInvalidProviderToken {
			t.Errorf("a token of the revoked key: %d %s, want 403 InvalidProviderToken", status, reason)
		}
	}
	if status, _, _ := push(t, srv, nil, "POST", "/3/device/"+device, handMade(srv, other), nil); status != 200 {
		t.Errorf("another key's token: %d, want 200", status)
	}
	if st := srv.Stats(); st.Rejected != 3 || !strings.Contains(st.LastRejection, "revoked") {
		t.Errorf("stats %+v; want 3 rejected, the last for a revoked key", st)
	}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return at })
	if now := srv.Config().Now(); !now.Equal(at) {
		t.Errorf("after SetClock the config's clock reads %v, want %v", now, at)
	}
}
