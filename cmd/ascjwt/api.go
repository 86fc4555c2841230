package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/origin"
	"github.com/ascjwt/ascjwt/internal/redact"
)

const defaultBaseURL = ascjwt.AppStoreConnectURL

// Limits on what api holds in memory. A JSON answer is read whole to be
// indented; other answers (report downloads) stream to stdout.
const (
	maxJSONAnswer = 64 << 20
	maxInput      = 64 << 20
)

func (c *cmd) api(args []string) error {
	fs := c.newFlags("api", "[flags] PATH", `
Call the App Store Connect API with a fresh token and print the JSON answer,
indented, on stdout, like gh api. PATH is "/v1/apps", "v1/apps" or a full URL
on the base URL's host; the token is never sent to another host.

  ascjwt api /v1/apps
  ascjwt api --paginate '/v1/builds?include=app&limit=200'
  ascjwt api -i /v1/apps                      # status line and headers first, like curl -i
  ascjwt api -X PATCH --input change.json /v1/apps/123
  ascjwt api --base-url https://api.storekit.apple.com --bundle-id com.example.app /inApps/v1/history/TXID

The App Store Server API lives at https://api.storekit.apple.com, with its
sandbox at https://api.storekit-sandbox.apple.com; its tokens need --bundle-id.

With --paginate, api follows links.next and prints one JSON:API document,
{"data": [every page's items], "included": [every related resource once]},
and nothing unless every page succeeded. It stops, prints nothing and exits 1
on a server that loops (a cursor seen before, a page with no data that still
has a next link), after --max-pages pages, or past --max-bytes in all. On a
terminal, stderr shows the page, the items so far and the rate-limit budget
left.

Rate limits: a 429 answer is waited out and the request sent again, for as
long as its Retry-After asks or, without one, a growing backoff, up to
--max-wait in all for each request; when the key's hourly budget runs low,
requests are spaced over what is left of the hour. Each wait is said on
stderr, with how long and why. --max-wait 0 never waits: a 429 comes back at
once.

A non-2xx answer: its body goes to stdout as received (indented when JSON),
so that | jq works on errors too, a one-line summary to stderr, exit 1.

With --verbose (or $ASCJWT_DEBUG=1), each request sent is traced on stderr:
method, URL, status, time taken, and the token's key ID and expiry, never
the token.

The base URL is --base-url, else $ASC_BASE_URL, else App Store Connect's.
The certificates in --cacert, else $ASC_CA_FILE, are trusted on top of the
system's: both are what ascjwt serve's output sets.`)
	var cf credFlags
	cf.register(fs.FlagSet)
	var method string
	methods := newChoice(&method, http.MethodGet, http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete)
	fs.Var(methods, "method", "the HTTP `method`; POST when --input is given")
	fs.Var(methods, "X", "")
	fs.alias("X", "method")
	include := fs.Bool("include", false, "print the status line and the response headers (X-Rate-Limit among them) before the body")
	fs.BoolVar(include, "i", false, "")
	fs.alias("i", "include")
	paginate := fs.Bool("paginate", false, "follow links.next and print every page's data and included as one JSON:API document")
	maxPages := fs.Int("max-pages", defaultMaxPages, "with --paginate, stop (and fail) after this many `pages`")
	maxBytes := byteSize(defaultMaxBytes)
	fs.Var(&maxBytes, "max-bytes", "with --paginate, stop (and fail) when the pages add up to more than this `size` (bytes, or with KiB, MiB, GiB)")
	var headers stringList
	fs.Var(&headers, "header", "add a request `header`, 'Name: value'; repeat for more")
	fs.Var(&headers, "H", "")
	fs.alias("H", "header")
	input := fs.String("input", "", "send the request body from `file`, or from stdin with -")
	base := fs.String("base-url", defaultBaseURL, "the API's `URL` (else $ASC_BASE_URL)")
	cacert := fs.String("cacert", "", "trust the certificates in this PEM `file` as well as the system's (else $ASC_CA_FILE), for a test server such as ascjwt serve")
	maxWait := fs.Duration("max-wait", defaultMaxWait, "wait out 429 answers for at most this `duration` in all, per request; 0 never waits")
	verbose := verboseFlag(fs.FlagSet)
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("want one PATH, e.g. /v1/apps; got %d arguments", len(rest))
	}

	if *maxWait < 0 {
		return usagef("--max-wait: want 0 (never wait) or a positive duration such as 2m")
	}
	baseFrom := "--base-url"
	if v, ok := c.lookupEnv(baseURLEnv); ok && v != "" && !fs.isSet("base-url") {
		*base, baseFrom = v, baseURLEnv
	}
	baseURL, err := parseBaseURL(*base, baseFrom)
	if err != nil {
		return err
	}
	target, err := resolveTarget(baseURL, rest[0])
	if err != nil {
		return err
	}
	if *input != "" && !fs.isSet("X") && !fs.isSet("method") {
		method = http.MethodPost
	}
	method = strings.ToUpper(method)
	if !methodPattern.MatchString(method) {
		return usagef("-X: want an HTTP method such as GET or PATCH")
	}
	if *paginate && method != http.MethodGet {
		return usagef("--paginate follows links.next with GET; it does not go with -X %s", method)
	}
	if *paginate && *include {
		return usagef("--include shows one answer's headers; it does not go with --paginate (whose progress line shows the rate limit)")
	}
	if *maxPages < 1 {
		return usagef("--max-pages %d: want 1 or more", *maxPages)
	}
	header, err := parseHeaders(headers)
	if err != nil {
		return err
	}
	var body []byte
	if *input != "" {
		if body, err = c.readInput(*input); err != nil {
			return err
		}
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/json")
		}
	}

	cfg, err := c.config(&cf)
	if err != nil {
		return err
	}
	src, err := newTokenSource(cfg)
	if err != nil {
		return err
	}
	waits := &waitReporter{c: c, api: apiName(baseURL), maxWait: *maxWait}
	client := c.client
	if client == nil {
		client = http.DefaultClient
	}
	if client, err = c.withExtraCA(client, *cacert); err != nil {
		return err
	}
	hc := *client // its Timeout, Jar and CheckRedirect, as ascjwt.NewClient keeps them
	rt := client.Transport
	if c.tracing(*verbose) {
		rt = &tracer{c: c, name: "api", next: rt}
	}
	hc.Transport = waits.newTransport(src, baseURL, rt)
	if *paginate {
		p := &pager{c: c, client: &hc, base: baseURL, header: header, maxPages: *maxPages, maxBytes: int64(maxBytes), waits: waits}
		return p.run(target)
	}
	return c.call(&hc, method, target, header, body, *include, waits)
}

// baseURLEnv names the base URL when --base-url does not: where a test
// server (asctest, ascjwt serve) tells every command to go.
const baseURLEnv = "ASC_BASE_URL"

var methodPattern = regexp.MustCompile(`^[A-Z]{1,16}$`)

// parseBaseURL reads the base URL given by from (--base-url or
// $ASC_BASE_URL). A rejected value is described, not quoted: it may be a
// secret pasted in the wrong place.
func parseBaseURL(s, from string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, usagef("%s: want an http or https URL with no query, such as %s; the value given (%d bytes) is not one", from, defaultBaseURL, len(s))
	}
	return u, nil
}

// resolveTarget turns PATH into a URL on base. A full URL must be on base's
// scheme and host: the token is for that API and nowhere else.
func resolveTarget(base *url.URL, p string) (*url.URL, error) {
	if strings.Contains(p, "://") {
		u, err := url.Parse(p)
		if err != nil {
			return nil, usagef("PATH %s is not a valid URL", describeArg(p))
		}
		if !origin.Same(u, base) {
			return nil, usagef("PATH %s is not on %s://%s; the token is sent only there (set --base-url to call another API)", describeArg(p), base.Scheme, base.Host)
		}
		return u, nil
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	u, err := url.Parse(base.String() + p)
	if err != nil {
		return nil, usagef("PATH %s is not a valid path", describeArg(p))
	}
	return u, nil
}

func parseHeaders(list []string) (http.Header, error) {
	h := http.Header{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(v, "\r\n") {
			return nil, usagef("-H: want 'Name: value'; a header of %d bytes is not of that form", len(kv))
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return h, nil
}

func (c *cmd) readInput(name string) ([]byte, error) {
	data, err := c.readFileOrStdin(name, maxInput)
	if err != nil {
		return nil, fmt.Errorf("--input %s: cannot read it: %w", redact.Show(name, 1024), err)
	}
	return data, nil
}

// newRequest builds a request whose body can be sent again (bytes.Reader
// sets GetBody), so that the transport may retry it with a fresh token.
func (c *cmd) newRequest(method string, u *url.URL, header http.Header, body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, u.String(), r)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = append([]string(nil), v...)
	}
	return req, nil
}

// call sends one request and prints the answer: JSON indented, anything else
// as received; with include, the status line and headers first.
func (c *cmd) call(client *http.Client, method string, u *url.URL, header http.Header, body []byte, include bool, waits *waitReporter) error {
	req, err := c.newRequest(method, u, header, body)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if include {
		if err := writeHead(c.stdout, resp); err != nil {
			return err
		}
	}
	if !succeeded(resp) {
		return c.reportAPIError(resp, "", waits)
	}
	if !isJSON(resp.Header) {
		_, err := io.Copy(c.stdout, resp.Body)
		return err
	}
	data, err := readJSONAnswer(resp.Body, maxJSONAnswer)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	return writeIndented(c.stdout, data)
}

func succeeded(resp *http.Response) bool { return resp.StatusCode >= 200 && resp.StatusCode <= 299 }

// writeHead prints the status line and the headers, sorted, then a blank
// line, as curl -i does. They come from the server: anything that could
// steer a terminal is escaped.
func writeHead(w io.Writer, resp *http.Response) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", oneLine(resp.Proto), oneLine(resp.Status))
	for _, k := range slices.Sorted(maps.Keys(resp.Header)) {
		for _, v := range resp.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", oneLine(k), oneLine(v))
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func isJSON(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// readJSONAnswer reads a body of at most limit bytes.
func readJSONAnswer(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
}

// errTooLarge is an answer over the limit readJSONAnswer was given.
var errTooLarge = errors.New("the answer is over the size limit")

// writeIndented prints JSON indented, or as received if it is not JSON.
func writeIndented(w io.Writer, data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		buf.Reset()
		buf.Write(data)
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
		buf.WriteByte('\n')
	}
	_, err := w.Write(buf.Bytes())
	return err
}
