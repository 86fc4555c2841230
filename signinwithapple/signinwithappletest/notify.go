package signinwithappletest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/ascjwt/ascjwt/signinwithapple"
)

// Event is an account change to deliver with [Server.PostNotification]:
// the type the verifier decodes. A zero Subject is the server's user, a
// zero Time the server's clock.
type Event = signinwithapple.Event

// PostNotification delivers events to a server-to-server notification
// endpoint at url as Apple does ("Processing changes for Sign in with Apple
// accounts"): each event in a notification of its own, a POST of
// {"payload":"<JWT>"} whose RS256 token, signed with the server's key, has
// "iss", "aud" (the server's client ID), "iat", "exp", "jti" and "events",
// the event as a JSON string, with "event_time" in milliseconds and
// "is_private_email" a string. client nil means [http.DefaultClient]. It
// returns when each has been answered, with an error for a status other
// than 2xx.
func (s *Server) PostNotification(ctx context.Context, client *http.Client, url string, events ...Event) error {
	if len(events) == 0 {
		return errors.New("signinwithappletest: PostNotification has no event to deliver")
	}
	if client == nil {
		client = http.DefaultClient
	}
	for i, e := range events {
		body, err := s.notification(e)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("signinwithappletest: PostNotification: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("signinwithappletest: PostNotification: event %d: %w", i, err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("signinwithappletest: PostNotification: event %d: the endpoint answered %s", i, resp.Status)
		}
	}
	return nil
}

// notification is the body of the notification of e.
func (s *Server) notification(e Event) ([]byte, error) {
	if e.Type == "" {
		return nil, errors.New("signinwithappletest: PostNotification: an event has no Type")
	}
	if e.Subject == "" {
		e.Subject = s.subject
	}
	now := s.Now()
	if e.Time.IsZero() {
		e.Time = now
	}
	event := map[string]any{"type": string(e.Type), "sub": e.Subject, "event_time": e.Time.UnixMilli()}
	if e.Email != "" {
		event["email"] = e.Email
		event["is_private_email"] = flag(e.IsPrivateEmail, false)
	}
	events, err := json.Marshal(event)
	if err != nil {
		return nil, fmt.Errorf("signinwithappletest: PostNotification: %w", err)
	}
	jwt := s.Sign(map[string]any{
		"iss": "https://appleid.apple.com", "aud": s.clientID,
		"iat": now.Unix(), "exp": now.Add(NotificationLifetime).Unix(),
		"jti": randomToken("n"), "events": string(events),
	})
	return json.Marshal(map[string]string{"payload": jwt})
}
