package signinwithapple

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/ascjwt/ascjwt/internal/jwsread"
	"github.com/ascjwt/ascjwt/internal/redact"
)

// EventType is the "type" of a server-to-server notification's event.
type EventType string

// The event types of Apple's "Processing changes for Sign in with Apple
// accounts". Others are kept as they come.
const (
	// EventEmailDisabled: the user turned off forwarding to their private
	// relay address (Hide My Email).
	EventEmailDisabled EventType = "email-disabled"
	// EventEmailEnabled: the user turned forwarding to their private relay
	// address back on.
	EventEmailEnabled EventType = "email-enabled"
	// EventConsentRevoked: the user stopped using Sign in with Apple with
	// your app; treat it as signing out, and their tokens as revoked.
	EventConsentRevoked EventType = "consent-revoked"
	// EventAccountDelete: the user asked Apple to delete their Apple
	// Account; delete what you hold for Event.Subject.
	EventAccountDelete EventType = "account-delete"
)

// Event is one change to a user's account, from a notification's
// "events" claim.
type Event struct {
	// Type is what changed.
	Type EventType
	// Subject ("sub") is the user's ID, the Subject of their identity
	// tokens. Email ("email") is their address, for the email events.
	Subject, Email string
	// IsPrivateEmail ("is_private_email") says Email is a private relay
	// address; Apple sends a boolean or the string "true".
	IsPrivateEmail bool
	// Time ("event_time", milliseconds since the epoch) is when it
	// happened.
	Time time.Time
}

// Notification is a verified server-to-server notification.
type Notification struct {
	// Events are the changes it carries: Apple sends one per
	// notification.
	Events []Event
	// Audience ("aud") is the client ID it is for, one of
	// VerifierConfig.ClientIDs: one endpoint may serve several apps.
	Audience string
	// ID ("jti") tells notifications apart: Apple may deliver one twice.
	ID string
	// IssuedAt ("iat") is when Apple signed it.
	IssuedAt time.Time
}

// maxNotificationBody bounds the body read; Apple's are about a kilobyte.
const maxNotificationBody = maxJWTLen + 1024

// VerifyNotification reads the body of a server-to-server notification
// (Apple's POST to the endpoint you registered, {"payload":"<JWT>"}),
// verifies the JWT as [Verifier.VerifyIDToken] verifies an identity token
// (the same keys, "iss", "aud" one of the ClientIDs, "exp" and "iat"), and
// decodes its "events" claim, a JSON string. Answer Apple 200 once you have
// handled it. A refusal wraps [ErrInvalidToken] and names the rule it
// broke.
func (v *Verifier) VerifyNotification(ctx context.Context, body []byte) (*Notification, error) {
	const what = "notification"
	if len(body) > maxNotificationBody {
		return nil, named(what, invalid(fmt.Sprintf("the body is %s, more than any of Apple's", redact.Bytes(len(body)))))
	}
	outer, err := readObject(body)
	if err != nil {
		return nil, named(what, invalid("the body "+err.Error()))
	}
	payload, ok := outer.string("payload")
	if !ok {
		return nil, named(what, invalid(`the body has no "payload" string, where Apple puts the signed token`))
	}
	claims, _, aud, err := v.verify(ctx, payload, what)
	if err != nil {
		return nil, err
	}
	n := &Notification{Audience: aud}
	n.IssuedAt, _ = claims.requiredTime("iat") // checked by verify
	if n.ID, err = claims.optionalString("jti"); err != nil {
		return nil, named(what, invalid("its "+err.Error()))
	}
	if n.Events, err = decodeEvents(claims["events"]); err != nil {
		return nil, named(what, invalid(err.Error()))
	}
	return n, nil
}

// decodeEvents reads the "events" claim: a JSON string that holds one
// event object (what Apple sends) or an array of them. The object or array
// itself, not in a string, is read too.
func decodeEvents(raw json.RawMessage) ([]Event, error) {
	if len(raw) == 0 {
		return nil, errors.New(`it has no "events"`)
	}
	inner := []byte(raw)
	if raw[0] == '"' {
		s, err := jwsread.StringValue(raw)
		if err != nil {
			return nil, errors.New(`its "events" is not a valid JSON string`)
		}
		inner = []byte(s)
	}
	var items []json.RawMessage
	switch {
	case len(inner) > 0 && inner[0] == '{':
		items = []json.RawMessage{inner}
	case len(inner) > 0 && inner[0] == '[':
		if json.Unmarshal(inner, &items) != nil || len(items) == 0 {
			return nil, errors.New(`its "events" is not a non-empty array of events`)
		}
	default:
		return nil, errors.New(`its "events" holds neither an event object nor an array of them`)
	}
	events := make([]Event, 0, len(items))
	for i, item := range items {
		e, err := decodeEvent(item)
		if err != nil {
			return nil, fmt.Errorf("its event %d %w", i, err)
		}
		events = append(events, e)
	}
	return events, nil
}

// decodeEvent reads one event object.
func decodeEvent(raw []byte) (Event, error) {
	obj, err := readObject(raw)
	if err != nil {
		return Event{}, err
	}
	var e Event
	typ, _ := obj.string("type")
	if typ == "" {
		return Event{}, errors.New(`has no "type" string`)
	}
	e.Type = EventType(typ)
	if e.Subject, _ = obj.string("sub"); e.Subject == "" {
		return Event{}, errors.New(`has no "sub" string (the user's ID)`)
	}
	if e.Email, err = obj.optionalString("email"); err != nil {
		return Event{}, errors.New(`has an "email" that is not a string`)
	}
	if e.IsPrivateEmail, err = obj.flag("is_private_email"); err != nil {
		return Event{}, errors.New(`has an "is_private_email" that is neither a boolean nor "true" or "false"`)
	}
	if t, ok := obj["event_time"]; ok {
		ms, err := strconv.ParseFloat(string(t), 64)
		if err != nil || t[0] < '0' || t[0] > '9' || ms > maxNumericDate*1000 || math.IsNaN(ms) {
			return Event{}, errors.New(`has an "event_time" that is not a number of milliseconds from 1970 to 9999`)
		}
		e.Time = time.UnixMilli(int64(ms)).UTC()
	}
	return e, nil
}
