package apns

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// maxReasonBody bounds the answer refusedToken reads: APNs' error body is
// {"reason":"..."}, a few dozen bytes.
const maxReasonBody = 512

// refusedToken is the source's [ascjwt.RefusalJudge]: it reports whether
// resp refused the request's token, so that the Transport retries once with
// a new one.
//
//   - A 403 with the reason ExpiredProviderToken or InvalidProviderToken
//     refused the token; one with another reason (Forbidden, say) did not.
//   - A 403 whose body is not declared as at most 512 bytes is not read,
//     since reading could wait on a server that stalls; it counts as a
//     refusal, because with token authentication nearly every 403 reason is
//     about the token, and the 20-minute rule bounds what a wrong guess
//     costs: one more request, and no new token within MinTokenInterval.
//   - A 401 counts as a refusal: DeviceCheck answers a token it does not
//     take with 401, as its client libraries report (Apple's page lists no
//     status codes); APNs never sends one, so this costs APNs nothing.
//
// The body is left readable from the start.
func refusedToken(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return true
	case http.StatusForbidden:
	default:
		return false
	}
	n := resp.ContentLength
	if resp.Body == nil || n == 0 {
		return false // no reason given: nothing says the token was refused
	}
	if n < 0 || n > maxReasonBody {
		return true
	}
	head := make([]byte, n)
	read, _ := io.ReadFull(resp.Body, head)
	head = head[:read]
	resp.Body = &replayed{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), Closer: resp.Body}
	var body struct {
		Reason string `json:"reason"`
	}
	if json.Unmarshal(head, &body) != nil {
		return false
	}
	return body.Reason == "ExpiredProviderToken" || body.Reason == "InvalidProviderToken"
}

// replayed is a body whose first bytes were read and are given back first.
type replayed struct {
	io.Reader
	io.Closer
}
