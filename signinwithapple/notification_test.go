package signinwithapple_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt/signinwithapple"
	"github.com/ascjwt/ascjwt/signinwithapple/signinwithappletest"
)

// TestNotificationsDeliveredByTheFakeVerify: each of Apple's event types,
// and one Apple may add, posted by the fake as Apple posts them, verify at
// an endpoint that calls VerifyNotification and decode to what was sent.
func TestNotificationsDeliveredByTheFakeVerify(t *testing.T) {
	srv, v := newFake(t)
	var mu sync.Mutex
	var got []signinwithapple.Event
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n, err := v.VerifyNotification(r.Context(), body)
		if err != nil {
			t.Errorf("VerifyNotification: %v", err)
			http.Error(w, "refused", http.StatusBadRequest)
			return
		}
		if n.Audience != srv.ClientID() || n.ID == "" || !n.IssuedAt.Equal(srv.Now()) || len(n.Events) != 1 {
			t.Errorf("notification %+v", n)
		}
		mu.Lock()
		got = append(got, n.Events...)
		mu.Unlock()
	}))
	defer endpoint.Close()
	when := srv.Now().Add(-time.Minute).Truncate(time.Millisecond)
	sent := []signinwithapple.Event{
		{Type: signinwithapple.EventEmailDisabled, Subject: "001.a.1", Email: "x@privaterelay.appleid.com", IsPrivateEmail: true, Time: when},
		{Type: signinwithapple.EventEmailEnabled, Subject: "001.a.1", Email: "x@privaterelay.appleid.com", IsPrivateEmail: true, Time: when},
		{Type: signinwithapple.EventConsentRevoked, Subject: "001.a.1", Time: when},
		{Type: signinwithapple.EventAccountDelete, Subject: "001.a.1", Time: when},
		{Type: "some-future-event", Subject: "001.a.1", Time: when},
	}
	if err := srv.PostNotification(bg, nil, endpoint.URL, sent...); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(sent) {
		t.Fatalf("%d events received, want %d", len(got), len(sent))
	}
	for i := range sent {
		if got[i].Type != sent[i].Type || got[i].Subject != sent[i].Subject || got[i].Email != sent[i].Email ||
			got[i].IsPrivateEmail != sent[i].IsPrivateEmail || !got[i].Time.Equal(sent[i].Time) {
			t.Errorf("event %d: %+v, want %+v", i, got[i], sent[i])
		}
	}
	// A zero Subject and Time are the fake's user and clock.
	if err := srv.PostNotification(bg, nil, endpoint.URL, signinwithapple.Event{Type: signinwithapple.EventConsentRevoked}); err != nil {
		t.Fatal(err)
	}
	if last := got[len(got)-1]; last.Subject != srv.Subject() || !last.Time.Equal(srv.Now()) {
		t.Errorf("defaults: %+v", last)
	}
}

// TestVerifyNotificationRefusesEachBrokenRule: a notification is verified as
// an identity token is (signature, iss, aud, exp), and its body and events
// claim are read strictly; each refusal wraps ErrInvalidToken.
func TestVerifyNotificationRefusesEachBrokenRule(t *testing.T) {
	srv, v := newFake(t)
	now := srv.Now()
	claims := func(change func(map[string]any)) string {
		c := map[string]any{"iss": "https://appleid.apple.com", "aud": srv.ClientID(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "j1",
			"events": `{"type":"consent-revoked","sub":"001.a.1","event_time":1608693364100}`}
		change(c)
		b, _ := json.Marshal(map[string]string{"payload": srv.Sign(c)})
		return string(b)
	}
	for _, tc := range []struct{ name, body, want string }{
		{"good", claims(func(map[string]any) {}), ""},
		{"events an array", claims(func(c map[string]any) {
			c["events"] = `[{"type":"email-enabled","sub":"s1","email":"e@x","is_private_email":true},{"type":"account-delete","sub":"s2"}]`
		}), ""},
		{"events an object, not a string", claims(func(c map[string]any) { c["events"] = map[string]any{"type": "consent-revoked", "sub": "s"} }), ""},
		{"aud another", claims(func(c map[string]any) { c["aud"] = "com.other" }), `"com.other" is not one of`},
		{"iss another", claims(func(c map[string]any) { c["iss"] = "https://example.com" }), `"iss"`},
		{"expired", claims(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() }), "expired"},
		{"no events", claims(func(c map[string]any) { delete(c, "events") }), `no "events"`},
		{"events a number", claims(func(c map[string]any) { c["events"] = 3 }), `"events"`},
		{"events a string of no JSON", claims(func(c map[string]any) { c["events"] = "consent-revoked" }), `"events"`},
		{"event without type", claims(func(c map[string]any) { c["events"] = `{"sub":"s"}` }), `no "type"`},
		{"event without sub", claims(func(c map[string]any) { c["events"] = `{"type":"consent-revoked"}` }), `no "sub"`},
		{"event_time a string", claims(func(c map[string]any) {
			c["events"] = `{"type":"consent-revoked","sub":"s","event_time":"1608693364100"}`
		}), "event_time"},
		{"event names type twice", claims(func(c map[string]any) { c["events"] = `{"type":"email-enabled","type":"account-delete","sub":"s"}` }), "twice"},
		{"jti a number", claims(func(c map[string]any) { c["jti"] = 1 }), `"jti"`},
		{"body not JSON", "payload=x", "the body"},
		{"body with no payload", `{"token":"x.y.z"}`, `no "payload"`},
		{"body naming payload twice", `{"payload":"a.b.c","payload":"d.e.f"}`, "twice"},
		{"payload not a JWS", `{"payload":"nope"}`, "1 parts"},
		{"body too large", `{"payload":"` + strings.Repeat("a", 40000) + `"}`, "more than any"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := v.VerifyNotification(bg, []byte(tc.body))
			if tc.want == "" {
				if err != nil || len(n.Events) == 0 {
					t.Fatalf("%v", err)
				}
				return
			}
			if !errors.Is(err, signinwithapple.ErrInvalidToken) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "signinwithapple: notification refused: ") {
				t.Fatalf("%v, want a refusal naming %s", err, tc.want)
			}
		})
	}
	n, err := v.VerifyNotification(bg, []byte(claims(func(map[string]any) {})))
	if err != nil || n.Events[0].Type != signinwithapple.EventConsentRevoked || !n.Events[0].Time.Equal(time.UnixMilli(1608693364100)) || n.ID != "j1" {
		t.Errorf("%+v %v", n, err)
	}
}

// TestPostNotificationReportsARefusal: the fake says when the endpoint did
// not take a notification.
func TestPostNotificationReportsARefusal(t *testing.T) {
	srv, _ := newFake(t)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	defer endpoint.Close()
	if err := srv.PostNotification(bg, nil, endpoint.URL, signinwithappletest.Event{Type: signinwithapple.EventAccountDelete}); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("%v", err)
	}
	if err := srv.PostNotification(bg, nil, endpoint.URL); err == nil {
		t.Error("no events, no error")
	}
}
