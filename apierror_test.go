package ascjwt_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

func answer(code int, body string, h http.Header) *http.Response {
	req, _ := http.NewRequest("PATCH", "https://api.appstoreconnect.apple.com/v1/apps/1?x=secret", nil)
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req}
}

func TestCheckResponseAppStoreConnectErrors(t *testing.T) {
	const body = `{"errors":[{"id":"e1","status":"409","code":"ENTITY_ERROR.ATTRIBUTE.INVALID","title":"An attribute value is invalid.","detail":"'name' is too long\u001b]0;pwned\u0007","source":{"pointer":"/data/attributes/name"}},{"status":"409","code":"ENTITY_ERROR","title":"Second","detail":"more"}]}`
	resp := answer(409, body, nil)
	err := fmt.Errorf("update app: %w", ascjwt.CheckResponse(resp))
	var apiErr *ascjwt.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("errors.As found no *APIError in %v", err)
	}
	if apiErr.StatusCode != 409 || len(apiErr.Errors) != 2 {
		t.Fatalf("%+v", apiErr)
	}
	e := apiErr.Errors[0]
	if e.Status != "409" || e.Code != "ENTITY_ERROR.ATTRIBUTE.INVALID" || e.Title != "An attribute value is invalid." ||
		!strings.HasPrefix(e.Detail, "'name' is too long") || e.Source == nil || e.Source.Pointer != "/data/attributes/name" {
		t.Errorf("first error %+v", e)
	}
	msg := apiErr.Error()
	for _, want := range []string{"409 Conflict", "PATCH /v1/apps/1", "ENTITY_ERROR.ATTRIBUTE.INVALID", "An attribute value is invalid.", "/data/attributes/name", "(and 1 more)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Error() = %q, want it to say %q", msg, want)
		}
	}
	if strings.ContainsAny(msg, "\n\x1b\x07") || strings.Contains(msg, "secret") {
		t.Errorf("Error() = %q: not one safe line", msg)
	}
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != body {
		t.Errorf("the body is not readable from the start after CheckResponse: %q", rest)
	}
}

func TestCheckResponseAppStoreServerError(t *testing.T) {
	retryAt := time.Now().Add(90 * time.Second).UnixMilli()
	h := http.Header{"Retry-After": {fmt.Sprint(retryAt)}}
	err := ascjwt.CheckResponse(answer(429, `{"errorCode":4290000,"errorMessage":"Rate limit exceeded."}`, h))
	var apiErr *ascjwt.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != 4290000 || apiErr.ErrorMessage != "Rate limit exceeded." {
		t.Fatalf("err = %#v", err)
	}
	if apiErr.RetryAfter < 80*time.Second || apiErr.RetryAfter > 90*time.Second {
		t.Errorf("RetryAfter = %v, want about 90s", apiErr.RetryAfter)
	}
	if msg := err.Error(); !strings.Contains(msg, "429 Too Many Requests") || !strings.Contains(msg, "4290000 Rate limit exceeded.") || !strings.Contains(msg, "retry after") {
		t.Errorf("Error() = %q", msg)
	}
}

func TestCheckResponseHugeAndNonJSONBodies(t *testing.T) {
	huge := bytes.Repeat([]byte("x"), 3<<20)
	resp := answer(500, string(huge), nil)
	counting := &countingReader{r: resp.Body}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{counting, resp.Body}
	err := ascjwt.CheckResponse(resp)
	var apiErr *ascjwt.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || len(apiErr.Errors) != 0 {
		t.Fatalf("err = %v", err)
	}
	if counting.n > 1<<20 {
		t.Errorf("CheckResponse read %d bytes, want at most 1 MiB", counting.n)
	}
	if rest, _ := io.ReadAll(resp.Body); !bytes.Equal(rest, huge) {
		t.Errorf("the body after CheckResponse is %d bytes, want all %d from the start", len(rest), len(huge))
	}
	if msg := err.Error(); len(msg) > 200 || strings.Contains(msg, "xxxx") {
		t.Errorf("Error() = %.300q: not one short line", msg)
	}

	html := answer(502, "<html><body>Bad Gateway</body></html>", nil)
	if err := ascjwt.CheckResponse(html); err == nil || !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Errorf("non-JSON body: %v", err)
	}
	if err := ascjwt.CheckResponse(answer(204, "", nil)); err != nil {
		t.Errorf("204: %v, want nil", err)
	}
	if err := ascjwt.CheckResponse(&http.Response{StatusCode: 404}); err == nil {
		t.Error("a 404 with no body and no request: nil error")
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestAPIErrorJoinsTitleAndDetailWithOneSeparator: Apple's titles end with a
// full stop, which is the separator before the detail; the code, which
// does not, is followed by ": ".
func TestAPIErrorJoinsTitleAndDetailWithOneSeparator(t *testing.T) {
	const body = `{"errors":[{"status":"429","code":"RATE_LIMIT_EXCEEDED","title":"The request rate limit has been reached.","detail":"We've received too many requests for this API. Please wait and try again or slow down your request rate."}]}`
	err := ascjwt.CheckResponse(answer(429, body, nil))
	const want = "RATE_LIMIT_EXCEEDED: The request rate limit has been reached. We've received too many requests"
	if msg := err.Error(); !strings.Contains(msg, want) || strings.Contains(msg, ".:") {
		t.Errorf("Error() = %q, want it to say %q", msg, want)
	}
	const untitled = `{"errors":[{"status":"404","code":"NOT_FOUND","title":"Not found","detail":"There is no resource with this ID"}]}`
	if msg := ascjwt.CheckResponse(answer(404, untitled, nil)).Error(); !strings.Contains(msg, "NOT_FOUND: Not found: There is no resource with this ID") {
		t.Errorf("Error() = %q, want the parts joined by \": \" where they have no end of their own", msg)
	}
}

// TestCheckResponseSaysWhyTheTokenWasWithheld: a 401 to a request the
// Transport sent without its token says that ascjwt withheld it and why,
// instead of a bare 401; a 401 to a request that carried it does not.
func TestCheckResponseSaysWhyTheTokenWasWithheld(t *testing.T) {
	src := apitest.Must(t, ascjwt.NewTokenSource, ascjwt.Config{KeyID: "2X9R4HXF34", IssuerID: "57246542-96fe-1a63-e053-0824d011072a", PrivateKey: apitest.NewKey(t)})
	refuse := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 401, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})
	for _, tc := range []struct {
		name string
		tr   *ascjwt.Transport
		url  string
		want []string // empty: nothing withheld
	}{
		{"a host not among the source's", &ascjwt.Transport{Source: src, Base: refuse}, "https://api.enterprise.developer.apple.com/v1/bundleIds",
			[]string{"ascjwt sent the request without a token", `host "api.enterprise.developer.apple.com" is not one of the source's hosts`, "api.appstoreconnect.apple.com", "Transport.ExtraHosts"}},
		{"a host not in Hosts", &ascjwt.Transport{Source: src, Base: refuse, Hosts: []string{"api.example.test"}}, "https://proxy.example.test/v1/apps",
			[]string{"ascjwt sent the request without a token", `host "proxy.example.test" is not in Transport.Hosts`}},
		{"plain http", &ascjwt.Transport{Source: src, Base: refuse}, "http://api.appstoreconnect.apple.com/v1/apps",
			[]string{"ascjwt sent the request without a token", "plain http", "use https"}},
		{"the token was sent", &ascjwt.Transport{Source: src, Base: refuse}, ascjwt.AppStoreConnectURL + "/v1/apps", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tc.url, nil)
			resp, err := tc.tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			msg := ascjwt.CheckResponse(resp).Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Error() = %q, want it to say %q", msg, w)
				}
			}
			if len(tc.want) == 0 && strings.Contains(msg, "without a token") {
				t.Errorf("Error() = %q for a request that carried its token", msg)
			}
			if !strings.Contains(msg, "401 Unauthorized to GET /v1/") {
				t.Errorf("Error() = %q, want the status and request still", msg)
			}
		})
	}
}
