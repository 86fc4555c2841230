package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascjwt/ascjwt/asctest"
)

// apps is the shape of /v1/apps.
type apps struct {
	Data []struct {
		ID         string            `json:"id"`
		Attributes map[string]string `json:"attributes"`
	} `json:"data"`
}

func TestAPI(t *testing.T) {
	h := newHarness(t)
	srv, creds := h.withServer()
	api := func(args ...string) result {
		return h.run(append(append([]string{"api", "--base-url", srv.URL}, creds...), args...)...)
	}
	// An echo route: what the server received, for headers, method and body.
	srv.Handle("/v1/echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"method": r.Method, "x-test": r.Header.Get("X-Test"), "content-type": r.Header.Get("Content-Type"), "body": string(body),
		})
	}))

	for _, path := range []string{"/v1/apps", "v1/apps", srv.URL + "/v1/apps"} {
		t.Run("GET "+path, func(t *testing.T) {
			r := api(path)
			r.expect(t, exitOK)
			var got apps
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got.Data) != 5 {
				t.Fatalf("%v: %s", err, r.stdout)
			}
			if !strings.HasPrefix(r.stdout, "{\n  \"data\": [") {
				t.Errorf("not indented:\n%.80s", r.stdout)
			}
		})
	}

	t.Run("paginate", func(t *testing.T) {
		before := srv.Stats().Accepted
		r := api("--paginate", "/v1/apps?limit=2")
		r.expect(t, exitOK)
		var doc struct {
			Data []struct {
				Type string `json:"type"`
				ID   string `json:"id"`
			} `json:"data"`
			Included []json.RawMessage `json:"included"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("not one JSON:API document: %v\n%s", err, r.stdout)
		}
		seen := map[string]bool{}
		for _, a := range doc.Data {
			seen[a.ID] = a.Type == "apps"
		}
		if len(doc.Data) != 5 || len(seen) != 5 || doc.Included == nil || len(doc.Included) != 0 {
			t.Fatalf("%d items, %d distinct apps, included %v; want 5 apps and an empty included:\n%s", len(doc.Data), len(seen), doc.Included, r.stdout)
		}
		if pages := srv.Stats().Accepted - before; pages != 3 {
			t.Errorf("%d requests, want 3 pages of 2", pages)
		}
		if r.stderr != "" {
			t.Errorf("progress or messages on a stderr that is not a terminal:\n%q", r.stderr)
		}
	})

	t.Run("paginate a single resource", func(t *testing.T) {
		r := api("--paginate", "/v1/apps/1000000001")
		r.expect(t, exitOK)
		var doc struct{ Data []map[string]any }
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Data) != 1 || doc.Data[0]["id"] != "1000000001" {
			t.Fatalf("%v: %s", err, r.stdout)
		}
	})

	t.Run("headers", func(t *testing.T) {
		r := api("-H", "X-Test: hello", "/v1/echo")
		r.expect(t, exitOK)
		if !strings.Contains(r.stdout, `"x-test": "hello"`) || !strings.Contains(r.stdout, `"method": "GET"`) {
			t.Fatalf("%s", r.stdout)
		}
	})

	t.Run("input from a file makes a POST with JSON", func(t *testing.T) {
		in := filepath.Join(h.sys.workDir, "body.json")
		os.WriteFile(in, []byte(`{"data":{"type":"apps"}}`), 0o600)
		r := api("--input", in, "/v1/echo")
		r.expect(t, exitOK)
		var got map[string]string
		json.Unmarshal([]byte(r.stdout), &got)
		if got["method"] != "POST" || got["content-type"] != "application/json" || got["body"] != `{"data":{"type":"apps"}}` {
			t.Fatalf("%v", got)
		}
	})

	t.Run("input from stdin with -X PATCH", func(t *testing.T) {
		h.stdin = `{"x":1}`
		defer func() { h.stdin = "" }()
		r := api("-X", "patch", "--input", "-", "-H", "Content-Type: application/vnd.api+json", "/v1/echo")
		r.expect(t, exitOK)
		var got map[string]string
		json.Unmarshal([]byte(r.stdout), &got)
		if got["method"] != "PATCH" || got["content-type"] != "application/vnd.api+json" || got["body"] != `{"x":1}` {
			t.Fatalf("%v", got)
		}
	})

	t.Run("an answer that is not JSON is printed as received", func(t *testing.T) {
		srv.Handle("GET /v1/report", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/tab-separated-values")
			fmt.Fprint(w, "a\tb\n1\t2\n")
		}))
		r := api("/v1/report")
		r.expect(t, exitOK)
		if r.stdout != "a\tb\n1\t2\n" {
			t.Fatalf("%q", r.stdout)
		}
	})

	t.Run("an error answer", func(t *testing.T) {
		r := api("/v1/apps/42")
		r.expect(t, exitFail, "404 Not Found to GET /v1/apps/42: NOT_FOUND: The specified resource does not exist: There is no resource of type 'apps' with id '42'")
		var doc asctest.ErrorResponse
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Errors) != 1 || doc.Errors[0].Code != "NOT_FOUND" {
			t.Errorf("the error body is not on stdout: %v\n%s", err, r.stdout)
		}
	})

	t.Run("an error answer while paginating prints no partial list", func(t *testing.T) {
		r := api("--paginate", "/v1/apps?limit=999")
		r.expect(t, exitFail, "400 Bad Request", "PARAMETER_ERROR.INVALID", "'999' is not a valid value for 'limit'")
		if strings.Contains(r.stdout, `"data"`) || !strings.Contains(r.stdout, `"errors"`) {
			t.Errorf("stdout holds page data, or not the error answer: %s", r.stdout)
		}
	})

	t.Run("401 from a revoked key", func(t *testing.T) {
		h := newHarness(t)
		srv2, creds2 := h.withServer()
		srv2.Revoke(srv2.Key().ID)
		r := h.run(append(append([]string{"api", "--base-url", srv2.URL}, creds2...), "/v1/apps")...)
		r.expect(t, exitFail, "401 Unauthorized", "401 Unauthorized to GET /v1/apps: NOT_AUTHORIZED", "has been revoked")
		if strings.Contains(r.stderr, "Bearer") || strings.Contains(r.stderr, "eyJ") {
			t.Errorf("a token reached the output:\n%s", r.stderr)
		}
	})

	t.Run("links.next to another host is not followed", func(t *testing.T) {
		srv.Handle("GET /v1/evil", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data": [], "links": {"next": "https://attacker.example/v1/apps"}}`)
		}))
		api("--paginate", "/v1/evil").expect(t, exitFail, "not sending the token there")
	})

	t.Run("links.next looping is stopped", func(t *testing.T) {
		srv.Handle("GET /v1/loop", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"data": [1], "links": {"next": "%s/v1/loop"}}`, srv.URL)
		}))
		api("--paginate", "/v1/loop").expect(t, exitFail, "already fetched")
	})
}

func TestAPIBadInput(t *testing.T) {
	h := newHarness(t)
	srv, creds := h.withServer()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no path", nil, exitUsage, []string{"want one PATH"}},
		{"two paths", []string{"/a", "/b"}, exitUsage, []string{"want one PATH"}},
		{"another host", []string{"https://attacker.example/v1/apps"}, exitUsage, []string{"is not on " + srv.URL, "--base-url"}},
		{"bad base URL", []string{"--base-url", "ftp://x", "/v1/apps"}, exitUsage, []string{"--base-url"}},
		{"bad header", []string{"-H", "no colon", "/v1/apps"}, exitUsage, []string{"'Name: value'"}},
		{"bad method", []string{"-X", "GET /", "/v1/apps"}, exitUsage, []string{"want an HTTP method"}},
		{"paginate a POST", []string{"--paginate", "-X", "POST", "/v1/apps"}, exitUsage, []string{"--paginate"}},
		{"input missing", []string{"--input", "/nonexistent.json", "/v1/apps"}, exitFail, []string{"--input", "/nonexistent.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"api", "--base-url", srv.URL}, creds...), tc.args...)
			h.run(args...).expect(t, tc.code, tc.want...)
		})
	}
	t.Run("no credentials", func(t *testing.T) {
		h := newHarness(t)
		h.run("api", "/v1/apps").expect(t, exitUsage, "no key ID: set --key-id")
	})
}

func TestPaginateShowsProgressOnATerminalOnly(t *testing.T) {
	h := newHarness(t)
	srv, creds := h.withServer()
	args := append(append([]string{"api", "--base-url", srv.URL}, creds...), "--paginate", "/v1/apps?limit=2")

	h.sys.stderrIsTerminal = func() bool { return true }
	r := h.run(args...)
	r.expect(t, exitOK)
	want := "\r\x1b[Kpage 1, 2 items, rate limit: 3499 of 3500 left this hour" +
		"\r\x1b[Kpage 2, 4 items, rate limit: 3498 of 3500 left this hour" +
		"\r\x1b[Kpage 3, 5 items, rate limit: 3497 of 3500 left this hour" +
		"\r\x1b[K"
	if r.stderr != want {
		t.Fatalf("stderr on a terminal:\n%q\nwant\n%q", r.stderr, want)
	}

	h.sys.stderrIsTerminal = func() bool { return false }
	r = h.run(args...)
	r.expect(t, exitOK)
	if r.stderr != "" {
		t.Fatalf("stderr that is not a terminal got %q", r.stderr)
	}
}
