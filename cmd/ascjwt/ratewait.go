package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ascjwt/ascjwt"
)

// defaultMaxWait is --max-wait: the Transport's own default for
// MaxRetryWait, spelt out so that --help shows it.
const defaultMaxWait = time.Minute

// waitReporter tells the person running api why nothing seems to happen:
// it is the Transport's Hooks.RateLimitWait, called before each wait after
// a 429 or to pace requests on a low hourly budget. The Transport calls it
// on the goroutine that sends the request, the command's only one, so it
// needs no lock.
type waitReporter struct {
	c         *cmd
	api       string            // who limits us: "App Store Connect", ...
	maxWait   time.Duration     // --max-wait
	transport *ascjwt.Transport // for the budget that pacing works from
	prog      *progress         // the progress line of --paginate, if any
}

func (w *waitReporter) report(ev ascjwt.RateLimitWait) {
	// On a terminal, --paginate's progress line says it in place; anywhere
	// else a line of its own, so that a CI log shows why a job stood still.
	if w.prog != nil && w.prog.waiting(w.short(ev)) {
		return
	}
	fmt.Fprintln(w.c.stderr, oneLine("ascjwt api: "+w.message(ev)))
}

// message is the whole line: how long, and why.
func (w *waitReporter) message(ev ascjwt.RateLimitWait) string {
	d := roundWait(ev.Wait)
	switch ev.Reason {
	case ascjwt.WaitRetryAfter:
		return fmt.Sprintf("rate limited by %s; waiting %s as Retry-After asks", w.api, d)
	case ascjwt.WaitBackoff:
		return fmt.Sprintf("rate limited by %s, which did not say for how long; waiting %s before trying again (%d %s so far)",
			w.api, d, ev.Attempt, plural(ev.Attempt, "429", "429s"))
	case ascjwt.WaitPacing:
		budget := ""
		if rl, ok := w.transport.RateLimit(); ok {
			budget = fmt.Sprintf(" (%d of %d requests left this hour)", rl.Remaining, rl.Limit)
		}
		return fmt.Sprintf("the key's hourly budget at %s is low%s; waiting %s to spread what is left over the hour", w.api, budget, d)
	}
	return fmt.Sprintf("waiting %s before sending the request (%s)", d, ev.Reason)
}

// short is the same for the end of the progress line.
func (w *waitReporter) short(ev ascjwt.RateLimitWait) string {
	d := roundWait(ev.Wait)
	switch ev.Reason {
	case ascjwt.WaitRetryAfter:
		return fmt.Sprintf("rate limited, waiting %s as Retry-After asks", d)
	case ascjwt.WaitBackoff:
		return fmt.Sprintf("rate limited, backing off %s", d)
	case ascjwt.WaitPacing:
		return fmt.Sprintf("hourly budget low, pacing: waiting %s", d)
	}
	return fmt.Sprintf("waiting %s (%s)", d, ev.Reason)
}

// notWaitedHint ends the summary of a 429 that came back to api: what
// --max-wait allowed, and how to wait longer.
func (w *waitReporter) notWaitedHint() string {
	if w.maxWait == 0 {
		return "not waited out, as --max-wait 0 asks; set --max-wait to wait"
	}
	return fmt.Sprintf("not waited out within --max-wait %s; raise it to wait longer, or try again later", w.maxWait)
}

// newTransport builds the Transport api sends through, over rt: the token
// only to the base URL's origin, the one API the user named (Apple's, the
// Enterprise Program API, a test server), whose host Transport's default
// list may not hold; 429s waited out within --max-wait, which at 0 means no
// waiting at all, pacing included; and each wait reported.
func (w *waitReporter) newTransport(src ascjwt.TokenSource, base *url.URL, rt http.RoundTripper) *ascjwt.Transport {
	t := &ascjwt.Transport{
		Source:       src,
		Base:         rt,
		Hosts:        []string{hostPort(base)},
		MaxRetryWait: w.maxWait,
		Hooks:        &ascjwt.Hooks{RateLimitWait: w.report},
	}
	if w.maxWait == 0 {
		t.MaxRetryWait = -1 // the Transport's "never wait"; its zero means one minute
		t.DisablePacing = true
	}
	w.transport = t
	return t
}

// hostPort is u's host with its port, the scheme's default when u has none,
// as Transport.Hosts wants it to match one origin only; for a plain http
// base URL, the "http://host:port" entry that opts it in to plain http.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
		if strings.EqualFold(u.Scheme, "http") {
			port = "80"
		}
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "http://" + net.JoinHostPort(u.Hostname(), port)
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// apiName names who rate-limits requests to base, for the wait messages.
func apiName(base *url.URL) string {
	switch strings.ToLower(base.Hostname()) {
	case "api.appstoreconnect.apple.com":
		return "App Store Connect"
	case "api.storekit.apple.com":
		return "the App Store Server API"
	case "api.storekit-sandbox.apple.com":
		return "the App Store Server API sandbox"
	}
	return "the server at " + base.Host
}

// roundWait keeps a wait readable: "12s", "2.4s", "350ms".
func roundWait(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
