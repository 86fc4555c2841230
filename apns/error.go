package apns

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt/internal/respbody"
	"github.com/ascjwt/ascjwt/internal/safetext"
)

// Error is APNs' response to a push it did not take, as [CheckResponse]
// reads it: the status, Apple's reason, the push's apns-id and, for a device
// token no longer valid, since when. Reach it through wrapping with
// [errors.As] and branch on Reason:
//
//	var e *apns.Error
//	if errors.As(err, &e) && (e.Reason == apns.ReasonUnregistered || e.Reason == apns.ReasonExpiredToken) {
//		forget(deviceToken) // the app is gone from that device
//	}
type Error struct {
	// StatusCode is the response's HTTP status: 400, 403, 404, 405, 410,
	// 413, 429, 500 or 503 in Apple's table.
	StatusCode int
	// Reason is the "reason" of the JSON body: one of the Reason constants
	// ([ReasonBadDeviceToken], ...), or one newer than this package. It is
	// empty when the body gave none.
	Reason string
	// ID is the apns-id header: the request's own apns-id, or the UUID APNs
	// made for the push when the request had none.
	ID string
	// UniqueID is the apns-unique-id header, which only the sandbox sends:
	// the push's key in the Push Notifications Console's delivery log.
	UniqueID string
	// Timestamp is, for a 410, when APNs confirmed that the device token
	// was no longer valid for the topic (the body's "timestamp", in
	// milliseconds since the epoch); zero otherwise.
	Timestamp time.Time
}

// maxErrorBody bounds what CheckResponse reads: APNs' error body is
// {"reason":"...","timestamp":...}, a few dozen bytes.
const maxErrorBody = 4 << 10

// maxReasonText bounds the reason Error quotes: Apple's longest is 27
// characters, and a server that sends more is described, not echoed.
const maxReasonText = 64

// CheckResponse returns nil for a 2xx response to a push and an [*Error]
// for any other, read from its apns-id and apns-unique-id headers and its
// JSON body. It reads at most 4 KiB of the body and leaves resp.Body
// readable from the start. Use it after each push:
//
//	resp, err := client.Do(req) // POST apns.ProductionURL + "/3/device/" + deviceToken
//	if err != nil {
//		return err
//	}
//	defer resp.Body.Close()
//	if err := apns.CheckResponse(resp); err != nil {
//		return err // "apns: push refused with 410 Unregistered: ..."
//	}
//
// A 429 from APNs (TooManyRequests, TooManyProviderTokenUpdates) comes back
// from [ascjwt.Transport] at once, never sent again by it: waiting a few
// seconds cures neither, and each send again could show the user one more
// notification.
func CheckResponse(resp *http.Response) error {
	if resp == nil {
		return errors.New("apns: CheckResponse was given no response")
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &Error{StatusCode: resp.StatusCode, ID: resp.Header.Get("apns-id"), UniqueID: resp.Header.Get("apns-unique-id")}
	head, err := respbody.Peek(resp, maxErrorBody)
	if head == nil || err != nil {
		return e
	}
	e.Reason, e.Timestamp = parseErrorBody(head)
	if resp.StatusCode != http.StatusGone {
		e.Timestamp = time.Time{} // Apple gives it with 410 only
	}
	return e
}

// parseErrorBody reads APNs' error body, {"reason":"BadDeviceToken"} or
// {"reason":"Unregistered","timestamp":1700000000000}: the reason, and the
// timestamp when it is a whole number of milliseconds after the epoch.
// Anything else (not JSON, not an object, members of other types) gives
// empty values, never an error: the status still says what happened.
// Member names are matched exactly, as Apple writes them.
func parseErrorBody(body []byte) (reason string, at time.Time) {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return "", time.Time{}
	}
	if raw, ok := members["reason"]; ok && json.Unmarshal(raw, &reason) != nil {
		reason = ""
	}
	if raw, ok := members["timestamp"]; ok {
		if ms, err := strconv.ParseInt(string(raw), 10, 64); err == nil && ms > 0 {
			at = time.UnixMilli(ms).UTC()
		}
	}
	return reason, at
}

// Error is one line a log can hold: the status, the reason, what it means
// and what to do, the apns-id and, for a 410, since when. A reason APNs
// would not send (too long, or with control characters) is escaped and cut.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("apns: push refused with ")
	if e.Reason != "" {
		b.WriteString(strconv.Itoa(e.StatusCode) + " " + safetext.Line(e.Reason, maxReasonText))
	} else {
		b.WriteString(respbody.Status(e.StatusCode))
	}
	if hint := reasonHints[e.Reason]; hint != "" {
		b.WriteString(": " + hint)
	}
	if !e.Timestamp.IsZero() {
		b.WriteString(" (no longer valid since " + e.Timestamp.UTC().Format(time.RFC3339) + ")")
	}
	if e.ID != "" {
		b.WriteString("; apns-id " + safetext.Line(e.ID, maxReasonText))
	}
	return b.String()
}

// reasonHints say, for the reasons a sender can act on, what is wrong and
// what to do, in Error's text.
var reasonHints = map[string]string{
	ReasonBadCollapseID:               "apns-collapse-id is over 64 bytes",
	ReasonBadDeviceToken:              "the device token is not one; check that it is hexadecimal and from the environment pushed to (sandbox and production tokens differ)",
	ReasonBadExpirationDate:           "apns-expiration is not a UNIX time in seconds",
	ReasonBadMessageID:                "apns-id is not a UUID",
	ReasonBadPriority:                 "apns-priority is not 10, 5 or 1",
	ReasonBadTopic:                    "apns-topic is not a valid topic",
	ReasonDeviceTokenNotForTopic:      "the device token belongs to another topic; check apns-topic (the app's bundle ID, with .voip or .complication for those push types)",
	ReasonDuplicateHeaders:            "a header was sent twice",
	ReasonIdleTimeout:                 "the connection was idle too long; send again",
	ReasonInvalidPushType:             "apns-push-type is not a push type APNs knows",
	ReasonMissingDeviceToken:          "the path has no device token",
	ReasonMissingTopic:                "set apns-topic (the app's bundle ID): token-based requests need it",
	ReasonPayloadEmpty:                "the payload is empty",
	ReasonTopicDisallowed:             "pushes to this topic are not allowed",
	ReasonBadCertificate:              "the client certificate is not valid",
	ReasonBadCertificateEnvironment:   "the client certificate is for the other environment",
	ReasonExpiredProviderToken:        "the provider token is over an hour old; check that this machine's clock is right",
	ReasonForbidden:                   "the action is not allowed",
	ReasonInvalidProviderToken:        "the provider token did not verify; check the key ID, the team ID and that the key is enabled for APNs",
	ReasonMissingProviderToken:        "the request had no provider token; check that the Transport's host rule lets the token go to this host",
	ReasonUnrelatedKeyIDInToken:       "the token's key is not related to the key first used on this connection; give each key its own connection (its own base client)",
	ReasonBadEnvironmentKeyIDInToken:  "the key is restricted to the other environment; use its URL (ProductionURL or SandboxURL) or another key",
	ReasonBadPath:                     "the path is not /3/device/{device token}",
	ReasonMethodNotAllowed:            "the method is not POST",
	ReasonExpiredToken:                "the device token has expired; stop sending to it",
	ReasonUnregistered:                "the device token is no longer active for the topic; stop sending to it",
	ReasonPayloadTooLarge:             "the payload is over 4096 bytes (5120 for VoIP)",
	ReasonTooManyProviderTokenUpdates: "the connection's provider token changed too often; tokens must be at least 20 minutes apart, and two keys must not share a connection",
	ReasonTooManyRequests:             "too many pushes to this device token in a row; send again later",
	ReasonInternalServerError:         "APNs failed; send again after 15 minutes",
	ReasonServiceUnavailable:          "APNs is unavailable; send again after 15 minutes",
	ReasonShutdown:                    "the APNs server is shutting down; send again on a new connection",
}
