package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/origin"
)

// Bounds on --paginate, so that a server that never stops answering with a
// next link cannot spend a key's whole hourly budget (3,500 requests) or
// fill the memory: every page is held until the last one succeeds.
const (
	// defaultMaxPages is --max-pages: 1,000 pages of Apple's largest page
	// (200 items) is 200,000 resources, more than any account lists.
	defaultMaxPages = 1000
	// defaultMaxBytes is --max-bytes: 256 MiB of JSON in all, four times
	// the largest single answer api reads.
	defaultMaxBytes = 256 << 20
)

// pager follows links.next and gathers one JSON:API document.
type pager struct {
	c        *cmd
	client   *http.Client
	base     *url.URL
	header   http.Header
	maxPages int
	maxBytes int64
	waits    *waitReporter
}

// page is the part of a JSON:API document that pagination needs.
type page struct {
	Data     json.RawMessage   `json:"data"`
	Included []json.RawMessage `json:"included"`
	Links    struct {
		Next string `json:"next"`
	} `json:"links"`
}

// resourceID is what tells included resources apart.
type resourceID struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// paged is what --paginate prints: every page's items and every related
// resource, once. Both lists are always there, empty or not, so that
// scripts need not test for them.
type paged struct {
	Data     []json.RawMessage `json:"data"`
	Included []json.RawMessage `json:"included"`
}

// run gets every page from u on and prints them as one document. It prints
// nothing on stdout unless every page succeeds, so that a script never takes
// a partial list for the whole (a refused page's own answer excepted: it
// goes to stdout as any error answer does).
func (p *pager) run(u *url.URL) error {
	out := paged{Data: []json.RawMessage{}, Included: []json.RawMessage{}}
	seenIncluded := map[resourceID]bool{}
	seenURL := map[string]int{}    // URL -> the page that fetched it
	seenCursor := map[string]int{} // cursor -> the page that fetched it
	var total int64
	prog := newProgress(p.c)
	defer prog.done()
	if p.waits != nil {
		p.waits.prog = prog
	}

	for n, next := 1, u; ; n++ {
		seenURL[next.String()] = n
		if cur := next.Query().Get("cursor"); cur != "" {
			seenCursor[cur] = n
		}
		req, err := p.c.newRequest(http.MethodGet, next, p.header, nil)
		if err != nil {
			return err
		}
		resp, err := p.client.Do(req)
		if err != nil {
			return err
		}
		if !succeeded(resp) {
			prog.done()
			err := p.c.reportAPIError(resp, fmt.Sprintf("page %d: ", n), p.waits)
			resp.Body.Close()
			return err
		}
		data, err := readJSONAnswer(resp.Body, min(maxJSONAnswer, p.maxBytes-total))
		rl, hasRL := ascjwt.ParseRateLimit(resp.Header)
		resp.Body.Close()
		if errors.Is(err, errTooLarge) {
			return stopped("the pages add up to more than --max-bytes %s (page %d); narrow the request (filter[...], fields[...]) or raise --max-bytes", byteSize(p.maxBytes), n)
		}
		if err != nil {
			return fmt.Errorf("GET %s: %w", next, err)
		}
		total += int64(len(data))

		var pg page
		if err := json.Unmarshal(data, &pg); err != nil {
			return fmt.Errorf("GET %s: the answer is not a JSON:API document, which --paginate needs", next)
		}
		items := 0
		switch d := bytes.TrimSpace(pg.Data); {
		case len(d) == 0 || bytes.Equal(d, []byte("null")):
		case d[0] == '[':
			var list []json.RawMessage
			if err := json.Unmarshal(d, &list); err != nil {
				return fmt.Errorf("GET %s: data is not a JSON array", next)
			}
			out.Data = append(out.Data, list...)
			items = len(list)
		default:
			out.Data = append(out.Data, d) // a single resource: a list of one
			items = 1
		}
		for _, inc := range pg.Included {
			var id resourceID
			if json.Unmarshal(inc, &id) == nil && (id.Type != "" || id.ID != "") {
				if seenIncluded[id] {
					continue
				}
				seenIncluded[id] = true
			}
			out.Included = append(out.Included, inc)
		}
		prog.update(n, len(out.Data), rl, hasRL)

		if pg.Links.Next == "" {
			break
		}
		if next, err = url.Parse(pg.Links.Next); err != nil || !origin.Same(next, p.base) {
			return stopped("page %d's links.next is not on %s://%s; not sending the token there", n, p.base.Scheme, p.base.Host)
		}
		if items == 0 {
			return stopped("page %d has no data but its links.next points on; a server that has run out of items gives no next link, so this one is not followed", n)
		}
		if m, dup := seenURL[next.String()]; dup {
			return stopped("page %d's links.next is the URL of page %d, already fetched; the server is looping", n, m)
		}
		if m, dup := seenCursor[next.Query().Get("cursor")]; dup {
			return stopped("page %d's links.next repeats the cursor page %d was fetched with; the server is looping", n, m)
		}
		if n >= p.maxPages {
			return stopped("--max-pages %d reached and links.next still points on; raise --max-pages to get the rest", p.maxPages)
		}
	}
	prog.done()
	enc := json.NewEncoder(p.c.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// stopped is the error for a pagination cut short: it says why, and that
// nothing was printed.
func stopped(format string, args ...any) error {
	return fmt.Errorf("--paginate stopped, nothing printed: "+format, args...)
}

// progress rewrites one line on stderr while pages come in, when a person
// is watching: on a log or a pipe it writes nothing.
type progress struct {
	w     io.Writer
	on    bool
	shown bool
	last  string // the last page's line, which a wait is added to
}

func newProgress(c *cmd) *progress {
	return &progress{w: c.stderr, on: c.stderrIsTerminal()}
}

func (p *progress) update(page, items int, rl ascjwt.RateLimit, hasRL bool) {
	if !p.on {
		return
	}
	line := fmt.Sprintf("page %d, %d %s", page, items, plural(items, "item", "items"))
	if hasRL {
		line += fmt.Sprintf(", rate limit: %d of %d left this hour", rl.Remaining, rl.Limit)
	}
	p.last = line
	p.show(line)
}

// waiting adds a wait for the next page to the line, and reports whether
// it did: only a person watching sees the line.
func (p *progress) waiting(what string) bool {
	if !p.on {
		return false
	}
	if p.last != "" {
		what = p.last + "; " + what
	}
	p.show(what)
	return true
}

func (p *progress) show(line string) {
	// \r returns to the start of the line and ESC [K clears it, so a
	// shorter line leaves nothing of the longer one before it.
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

// done clears the progress line, so that what follows starts clean.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// byteSize is a flag for a size in bytes: "268435456", "256MiB", "1GiB".
type byteSize int64

var sizeUnits = []struct {
	suffix string
	size   int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}, {"", 1}}

func (b byteSize) String() string {
	for _, u := range sizeUnits {
		if u.suffix != "" && int64(b) >= u.size && int64(b)%u.size == 0 {
			return strconv.FormatInt(int64(b)/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

func (b *byteSize) Set(s string) error {
	for _, u := range sizeUnits {
		num, ok := strings.CutSuffix(strings.TrimSpace(s), u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil || n < 1 || n > (1<<62)/u.size {
			return errors.New("want a positive number of bytes, or of KiB, MiB or GiB")
		}
		*b = byteSize(n * u.size)
		return nil
	}
	return errors.New("want a positive number of bytes, or of KiB, MiB or GiB")
}
