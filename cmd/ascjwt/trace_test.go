package main

import (
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestVerboseTracesEachRequestWithoutTheToken: --verbose, or ASCJWT_DEBUG=1,
// prints a line on stderr for each request sent (method, URL, status, time,
// the token's key ID and expiry), a 401's retry with a new token among
// them; never the token, and nothing without either.
func TestVerboseTracesEachRequestWithoutTheToken(t *testing.T) {
	b := newBin(t)
	srv, flags := b.plainServer()
	k := srv.Key()
	line := regexp.MustCompile(`(?m)^ascjwt api: GET ` + regexp.QuoteMeta(srv.URL) + `/v1/apps: 200 OK in [0-9.]+[µm]?s \(token kid "` + k.ID + `", expires (\S+), in (\d+m \d+s|\d+m)\)$`)
	for _, tc := range []struct {
		name  string
		args  []string
		env   []string
		lines int
	}{
		{"--verbose", []string{"--verbose"}, nil, 1},
		{"ASCJWT_DEBUG=1", nil, []string{"ASCJWT_DEBUG=1"}, 1},
		{"ASCJWT_DEBUG=0", nil, []string{"ASCJWT_DEBUG=0"}, 0},
		{"neither", nil, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.env = tc.env
			before := time.Now()
			r := b.run(append(append([]string{"api"}, tc.args...), append(flags, "/v1/apps")...)...)
			r.expect(t, exitOK)
			m := line.FindAllStringSubmatch(r.stderr, -1)
			if len(m) != tc.lines || strings.Count(r.stderr, "ascjwt api: GET ") != tc.lines {
				t.Fatalf("%d trace lines, want %d:\n%s", len(m), tc.lines, r.stderr)
			}
			if strings.Contains(r.stderr, "eyJ") {
				t.Fatalf("stderr holds a token:\n%s", r.stderr)
			}
			if tc.lines == 0 {
				return
			}
			exp, err := time.Parse(time.RFC3339, m[0][1])
			if err != nil || exp.Before(before.Add(15*time.Minute)) || exp.After(time.Now().Add(20*time.Minute)) {
				t.Fatalf("expiry %q (%v): want the token's, about 20 minutes from now", m[0][1], err)
			}
		})
	}

	// A 401 and the retry with a new token are two sends: two lines.
	b.env = []string{"ASCJWT_DEBUG=1"}
	var calls atomic.Int32
	hostile := b.hostile(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": []map[string]string{{"status": "401", "code": "NOT_AUTHORIZED"}}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": []any{}})
	}))
	r := b.run(append([]string{"api"}, append(hostile, "/v1/apps")...)...)
	r.expect(t, exitOK)
	retry := regexp.MustCompile(`(?s)ascjwt api: GET http://127\.0\.0\.1:\d+/v1/apps: 401 Unauthorized in \S+ \(token kid "HOSTILE123", expires \S+, in [^)]+\)\n` +
		`ascjwt api: GET http://127\.0\.0\.1:\d+/v1/apps: 200 OK in \S+ \(token kid "HOSTILE123", expires \S+, in [^)]+\)\n`)
	if !retry.MatchString(r.stderr) || strings.Contains(r.stderr, "eyJ") {
		t.Fatalf("want the 401 and the retry traced, and no token:\n%s", r.stderr)
	}
}
