package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/origin"
)

const defaultBaseURL = ascjwt.AppStoreConnectURL

// Limits on what api holds in memory. A JSON answer is read whole to be
// indented; other answers (report downloads) stream to stdout.
const (
	maxJSONAnswer = 64 << 20
	maxInput      = 64 << 20
	maxPages      = 10000
)

func (c *cmd) api(args []string) error {
	fs := c.newFlags("api", "[flags] PATH", `
Call the App Store Connect API with a fresh token and print the JSON answer,
indented, on stdout, like gh api. PATH is "/v1/apps", "v1/apps" or a full URL
on the base URL's host; the token is never sent to another host.

  ascjwt api /v1/apps
  ascjwt api --paginate '/v1/apps?limit=200'
  ascjwt api -X PATCH --input change.json /v1/apps/123
  ascjwt api --base-url https://api.storekit.apple.com --bundle-id com.example.app /inApps/v1/history/TXID

The App Store Server API lives at https://api.storekit.apple.com, with its
sandbox at https://api.storekit-sandbox.apple.com; its tokens need --bundle-id.

With --paginate, api follows links.next and prints every page's data as one
JSON array. A non-2xx answer prints Apple's errors on stderr and exits 1.`)
	var cf credFlags
	cf.register(fs.FlagSet)
	var method string
	fs.StringVar(&method, "X", "GET", "the HTTP `method`; POST when --input is given")
	fs.StringVar(&method, "method", "GET", "the HTTP `method`; same as -X")
	paginate := fs.Bool("paginate", false, "follow links.next and print every page's data as one JSON array")
	var headers stringList
	fs.Var(&headers, "H", "add a request `header`, 'Name: value'; repeat for more")
	fs.Var(&headers, "header", "add a request `header`; same as -H")
	input := fs.String("input", "", "send the request body from `file`, or from stdin with -")
	base := fs.String("base-url", defaultBaseURL, "the API's `URL`")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("want one PATH, e.g. /v1/apps; got %d arguments", len(rest))
	}

	baseURL, err := parseBaseURL(*base)
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
		return usagef("-X %q is not an HTTP method", method)
	}
	if *paginate && method != http.MethodGet {
		return usagef("--paginate follows links.next with GET; it does not go with -X %s", method)
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
	src, err := ascjwt.NewTokenSource(cfg)
	if err != nil {
		return err
	}
	client := ascjwt.NewClient(c.client, src)
	if *paginate {
		return c.paginate(client, baseURL, target, header)
	}
	return c.call(client, method, target, header, body)
}

var methodPattern = regexp.MustCompile(`^[A-Z]{1,16}$`)

func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, usagef("--base-url %q: want an http or https URL such as %s", s, defaultBaseURL)
	}
	return u, nil
}

// resolveTarget turns PATH into a URL on base. A full URL must be on base's
// scheme and host: the token is for that API and nowhere else.
func resolveTarget(base *url.URL, p string) (*url.URL, error) {
	if strings.Contains(p, "://") {
		u, err := url.Parse(p)
		if err != nil {
			return nil, usagef("PATH %q is not a valid URL", p)
		}
		if !origin.Same(u, base) {
			return nil, usagef("%s is not on %s://%s; the token is sent only there (set --base-url to call another API)", p, base.Scheme, base.Host)
		}
		return u, nil
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	u, err := url.Parse(base.String() + p)
	if err != nil {
		return nil, usagef("PATH %q is not a valid path", p)
	}
	return u, nil
}

func parseHeaders(list []string) (http.Header, error) {
	h := http.Header{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(v, "\r\n") {
			return nil, usagef("-H %q: want 'Name: value'", kv)
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return h, nil
}

func (c *cmd) readInput(name string) ([]byte, error) {
	var r io.Reader = c.stdin
	if name != "-" {
		f, err := os.Open(c.resolve(name))
		if err != nil {
			return nil, fmt.Errorf("--input: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("--input: %w", err)
	}
	if len(data) > maxInput {
		return nil, fmt.Errorf("--input holds over %d bytes", maxInput)
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
// as received.
func (c *cmd) call(client *http.Client, method string, u *url.URL, header http.Header, body []byte) error {
	req, err := c.newRequest(method, u, header, body)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		c.reportAPIError(method, u, resp)
		return errReported
	}
	if !isJSON(resp.Header) {
		_, err := io.Copy(c.stdout, resp.Body)
		return err
	}
	data, err := readJSONAnswer(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	return writeIndented(c.stdout, data)
}

// page is the part of a JSON:API document that pagination needs.
type page struct {
	Data  json.RawMessage `json:"data"`
	Links struct {
		Next string `json:"next"`
	} `json:"links"`
}

// paginate gets every page from u on and prints all their data as one array.
// It prints nothing unless every page succeeds, so that a script never takes
// a partial list for the whole.
func (c *cmd) paginate(client *http.Client, base, u *url.URL, header http.Header) error {
	all := []json.RawMessage{}
	seen := map[string]bool{}
	for next := u; next != nil; {
		if len(seen) == maxPages {
			return fmt.Errorf("--paginate stopped after %d pages", maxPages)
		}
		seen[next.String()] = true
		req, err := c.newRequest(http.MethodGet, next, header, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			c.reportAPIError(http.MethodGet, next, resp)
			resp.Body.Close()
			return errReported
		}
		data, err := readJSONAnswer(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("GET %s: %w", next, err)
		}
		var p page
		if err := json.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("GET %s: the answer is not a JSON:API document, which --paginate needs", next)
		}
		switch d := bytes.TrimSpace(p.Data); {
		case len(d) == 0 || bytes.Equal(d, []byte("null")):
		case d[0] == '[':
			var items []json.RawMessage
			if err := json.Unmarshal(d, &items); err != nil {
				return fmt.Errorf("GET %s: data is not a JSON array", next)
			}
			all = append(all, items...)
		default:
			all = append(all, d) // a single resource
		}
		if next = nil; p.Links.Next != "" {
			if next, err = url.Parse(p.Links.Next); err != nil || !origin.Same(next, base) {
				return fmt.Errorf("links.next %q is not on %s://%s; not sending the token there", p.Links.Next, base.Scheme, base.Host)
			}
			if seen[next.String()] {
				return fmt.Errorf("links.next %s was already fetched; stopping a loop", next)
			}
		}
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(all)
}

func isJSON(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func readJSONAnswer(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxJSONAnswer+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxJSONAnswer {
		return nil, fmt.Errorf("the answer is over %d bytes", maxJSONAnswer)
	}
	return data, nil
}

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

// apiError is one entry of Apple's error answer.
type apiError struct {
	Status string `json:"status"`
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Source struct {
		Pointer   string `json:"pointer"`
		Parameter string `json:"parameter"`
	} `json:"source"`
}

// reportAPIError prints a failed answer on stderr: the status line, then
// each of Apple's errors, or the start of a body in another form.
func (c *cmd) reportAPIError(method string, u *url.URL, resp *http.Response) {
	fmt.Fprintf(c.stderr, "ascjwt api: %s %s: %s\n", method, u, resp.Status)
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var doc struct {
		Errors []apiError `json:"errors"`
	}
	if json.Unmarshal(data, &doc) != nil || len(doc.Errors) == 0 {
		if text := strings.TrimSpace(string(data)); text != "" {
			if len(text) > 2000 {
				text = text[:2000] + "..."
			}
			fmt.Fprintf(c.stderr, "  %s\n", text)
		}
		return
	}
	for _, e := range doc.Errors {
		fmt.Fprintf(c.stderr, "  %s (status %s): %s\n", e.Code, e.Status, e.Title)
		if e.Detail != "" {
			fmt.Fprintf(c.stderr, "    %s\n", e.Detail)
		}
		if e.Source.Pointer != "" {
			fmt.Fprintf(c.stderr, "    at %s\n", e.Source.Pointer)
		}
		if e.Source.Parameter != "" {
			fmt.Fprintf(c.stderr, "    parameter %s\n", e.Source.Parameter)
		}
	}
}
