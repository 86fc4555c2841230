package ascjwt

import (
	"context"
	"net/http"
	"strconv"
	"strings"
)

// sendWithheld sends req as the caller made it, without the token: a
// request to a host the token is not for, or a redirect that left its
// origin. When the response refuses the request for want of a token (401,
// 403), it carries the reason the token was withheld, so that
// [CheckResponse]'s error says why rather than only "401".
func (t *Transport) sendWithheld(req *http.Request) (*http.Response, error) {
	resp, err := t.base().RoundTrip(req)
	if err != nil || resp == nil || resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		return resp, err
	}
	sent := resp.Request
	if sent == nil {
		sent = req
	}
	resp.Request = sent.WithContext(context.WithValue(sent.Context(), withheldKey{}, t.withheldReason(req)))
	return resp, nil
}

// withheldKey is the context key of the reason a request went without its
// token, on the request of a response that refused it.
type withheldKey struct{}

// withheldReason says why req went out without the token.
func (t *Transport) withheldReason(req *http.Request) string {
	if leavesOrigin(req) {
		return "the request is a redirect to another origin (scheme, host and port) than the request that began its chain, and the token stays with that origin"
	}
	host := strconv.Quote(req.URL.Host)
	if req.URL.Scheme == "http" {
		secure := *req.URL
		secure.Scheme = "https"
		if t.rule().allows(&secure) {
			return "the request is over plain http to " + host + ", where anyone on the path could read the token; use https, or opt the host in with \"http://host:port\" in Transport.Hosts or Transport.ExtraHosts"
		}
	}
	if t.Hosts != nil {
		return "its host " + host + " is not in Transport.Hosts or Transport.ExtraHosts"
	}
	own := appleHosts
	if hs, ok := find[HostScoped](t.Source); ok {
		own = hs.TokenHosts()
	}
	return "its host " + host + " is not one of the source's hosts (" + strings.Join(own, ", ") + ") or loopback; add it to Transport.ExtraHosts if the token is for it"
}

// withheldFrom returns the reason the request of resp went out without its
// token, or "" if it did not.
func withheldFrom(resp *http.Response) string {
	if resp.Request == nil {
		return ""
	}
	why, _ := resp.Request.Context().Value(withheldKey{}).(string)
	return why
}
