package apns

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// maxReasonBody bounds the response refusedToken reads: APNs' error body is
// {"reason":"..."}, a few dozen bytes.
const maxReasonBody = 512

// reasonWait is how long refusedToken waits for a 403's body to arrive.
// APNs sends the body with the header, so it is there, or a moment of
// scheduling away; a server that declares a body and stalls holds the
// request no longer than this.
const reasonWait = 100 * time.Millisecond

// refusedToken is the source's [ascjwt.RefusalJudge]: it reports whether
// resp refused the request's token, so that the Transport retries once with
// a new one.
//
//   - A 403 with the reason ExpiredProviderToken or InvalidProviderToken
//     refused the token; one with another reason (Forbidden, say) did not.
//   - A 403 whose reason cannot be read without waiting on the server (a
//     body not declared as at most 512 bytes, or one that has not arrived
//     within reasonWait) counts as a refusal, because with token
//     authentication nearly every 403 reason is about the token, and the
//     20-minute rule bounds what a wrong guess costs: one more request,
//     and no new token within MinTokenInterval.
//   - A 401 counts as a refusal: DeviceCheck answers a token it does not
//     take with 401, as its client libraries report (Apple's page lists no
//     status codes); APNs never sends one, so this costs APNs nothing.
//
// The body is left readable from the start, whatever arrived when.
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
	ctx := context.Background()
	if resp.Request != nil {
		ctx = resp.Request.Context()
	}
	body := readAhead(resp.Body, n)
	resp.Body = body
	head, ok := body.arrived(ctx, reasonWait)
	if !ok {
		return true
	}
	reason, _ := parseErrorBody(head)
	return reason == ReasonExpiredProviderToken || reason == ReasonInvalidProviderToken
}

// aheadBody is a response body whose first bytes are being read on a
// goroutine of their own, so that the judge can take them if they arrive in
// time and never wait on a server that stalls. Reading it gives those bytes
// first, then the rest; Close closes the server's body, which also ends that
// goroutine's read.
type aheadBody struct {
	body io.ReadCloser
	done chan prefix // receives the first bytes once, then is nil
	rest io.Reader   // the whole body, from the start, once they came
}

// prefix is what the goroutine read: the bytes, and the error that ended
// the read early, if any.
type prefix struct {
	head []byte
	err  error
}

// readAhead starts reading the first n bytes of body.
func readAhead(body io.ReadCloser, n int64) *aheadBody {
	done := make(chan prefix, 1)
	go func() {
		head := make([]byte, n)
		k, err := io.ReadFull(body, head)
		done <- prefix{head[:k], err}
	}()
	return &aheadBody{body: body, done: done}
}

// arrived returns the first bytes and true if they were all read (or the
// body ended) within wait and before ctx ended, and false if not; either
// way the body stays readable from the start.
func (b *aheadBody) arrived(ctx context.Context, wait time.Duration) ([]byte, bool) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case p := <-b.done:
		b.take(p)
		return p.head, p.err == nil || p.err == io.EOF || p.err == io.ErrUnexpectedEOF
	case <-timer.C:
	case <-ctx.Done():
	}
	return nil, false
}

// take makes the body read as p's bytes followed by the rest, or by the
// error that cut p short.
func (b *aheadBody) take(p prefix) {
	b.done = nil
	switch {
	case p.err == nil:
		b.rest = io.MultiReader(bytes.NewReader(p.head), b.body)
	case errors.Is(p.err, io.EOF) || errors.Is(p.err, io.ErrUnexpectedEOF):
		b.rest = bytes.NewReader(p.head)
	default:
		b.rest = io.MultiReader(bytes.NewReader(p.head), errReader{p.err})
	}
}

// Read gives the first bytes once they are read, then the rest. Like any
// body's Read, it waits for bytes the server has not sent yet; Close ends
// the wait.
func (b *aheadBody) Read(p []byte) (int, error) {
	if b.done != nil {
		b.take(<-b.done)
	}
	return b.rest.Read(p)
}

// Close closes the server's body.
func (b *aheadBody) Close() error { return b.body.Close() }

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
