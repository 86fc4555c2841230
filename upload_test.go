package ascjwt_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/ascjwt/ascjwt"
	"github.com/ascjwt/ascjwt/asctest"
	"github.com/ascjwt/ascjwt/internal/apitest"
)

// uploadAsset is the part of an appScreenshots answer the upload tests read.
type uploadAsset struct {
	Data struct {
		ID         string
		Attributes struct {
			UploadOperations []struct {
				Method         string
				URL            string
				Length, Offset int
				RequestHeaders []struct{ Name, Value string }
			}
			AssetDeliveryState struct{ State string }
		}
	}
}

// uploadDo sends one request through client and decodes a 2xx JSON answer
// into v, failing the test on any other.
func uploadDo(t *testing.T, client *http.Client, method, rawURL string, header http.Header, body []byte, v any) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body)) // a bytes.Reader: GetBody is set
	if err != nil {
		t.Fatal(err)
	}
	for k, vv := range header {
		req.Header[k] = vv
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := ascjwt.CheckResponse(resp); err != nil {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: %v (%s)", method, rawURL, err, b)
	}
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s %s: %v", method, rawURL, err)
		}
	}
}

// uploadFile runs Apple's asset upload flow through client: reserve (the API,
// with the token), PUT each part to its upload URL (the upload origin,
// which refuses a token), commit with the file's MD5 (the API).
func uploadFile(t *testing.T, client *http.Client, srv *asctest.Server, file []byte) uploadAsset {
	t.Helper()
	var a uploadAsset
	uploadDo(t, client, "POST", srv.URL+"/v1/appScreenshots", http.Header{"Content-Type": {"application/json"}},
		fmt.Appendf(nil, `{"data":{"type":"appScreenshots","attributes":{"fileName":"shot.png","fileSize":%d},"relationships":{"appScreenshotSet":{"data":{"type":"appScreenshotSets","id":"1"}}}}}`, len(file)), &a)
	for _, op := range a.Data.Attributes.UploadOperations {
		u, err := url.Parse(op.URL)
		if err != nil {
			t.Fatal(err)
		}
		if ip := net.ParseIP(u.Hostname()); ip != nil || u.Hostname() == "localhost" {
			t.Fatalf("upload URL host %q is loopback: the test would not show the token kept from another host", u.Hostname())
		}
		h := http.Header{}
		for _, rh := range op.RequestHeaders {
			h.Set(rh.Name, rh.Value)
		}
		uploadDo(t, client, op.Method, op.URL, h, file[op.Offset:op.Offset+op.Length], nil)
	}
	sum := md5.Sum(file)
	var done uploadAsset
	uploadDo(t, client, "PATCH", srv.URL+"/v1/appScreenshots/"+a.Data.ID, http.Header{"Content-Type": {"application/json"}},
		fmt.Appendf(nil, `{"data":{"type":"appScreenshots","id":%q,"attributes":{"uploaded":true,"sourceFileChecksum":%q}}}`, a.Data.ID, hex.EncodeToString(sum[:])), &done)
	if len(a.Data.Attributes.UploadOperations) < 2 {
		t.Fatalf("%d upload operations; the test wants a file in several parts", len(a.Data.Attributes.UploadOperations))
	}
	return done
}

// TestUploadFlowThroughOneClient: the whole asset upload flow through one
// ascjwt.NewClient, with nothing but the client of asctest: the API gets the
// token, the upload origin (a host that is not loopback, like Apple's) does
// not, and the asset completes.
func TestUploadFlowThroughOneClient(t *testing.T) {
	srv := newFake(t)
	srv.SetUploadPartSize(1000)
	client := ascjwt.NewClient(srv.Client(), apitest.Must(t, ascjwt.NewTokenSource, srv.Config()))

	file := bytes.Repeat([]byte("PNG pixels "), 300) // 3300 bytes: four parts
	done := uploadFile(t, client, srv, file)
	if state := done.Data.Attributes.AssetDeliveryState.State; state != "COMPLETE" {
		t.Errorf("asset state %q after the commit, want COMPLETE", state)
	}
	st := srv.Stats()
	if st.UploadsRefused != 0 || st.PartsReceived != 4 {
		t.Errorf("stats %+v; want 4 parts received and no upload refused for a token", st)
	}
	if st.Accepted != 2 || st.Rejected != 0 || st.Tokens != 1 {
		t.Errorf("stats %+v; want the reservation and the commit accepted, with one token", st)
	}
}

// leakyTransport adds the token to every request, whatever its host: what
// the clients in issue 12's reports did.
type leakyTransport struct {
	src  ascjwt.TokenSource
	base http.RoundTripper
}

func (l leakyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := l.src.Token(req.Context())
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok.Value)
	return l.base.RoundTrip(r)
}

// TestUploadOriginCatchesALeakedToken is the control for the test above: a
// client that sends its token everywhere fails at the first part, and
// asctest counts the refusal.
func TestUploadOriginCatchesALeakedToken(t *testing.T) {
	srv := newFake(t)
	srv.SetUploadPartSize(1000)
	src := apitest.Must(t, ascjwt.NewTokenSource, srv.Config())
	leaky := &http.Client{Transport: leakyTransport{src, srv.Client().Transport}}

	var a uploadAsset
	uploadDo(t, leaky, "POST", srv.URL+"/v1/appScreenshots", nil, []byte(`{"data":{"type":"appScreenshots","attributes":{"fileName":"a.png","fileSize":10}}}`), &a)
	op := a.Data.Attributes.UploadOperations[0]
	req, _ := http.NewRequest(op.Method, op.URL, bytes.NewReader(make([]byte, op.Length)))
	req.Header.Set("Content-Type", "image/png")
	resp, err := leaky.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a part sent with the token: %d, want 400", resp.StatusCode)
	}
	if st := srv.Stats(); st.UploadsRefused != 1 || st.PartsReceived != 0 {
		t.Errorf("stats %+v; want one upload refused for its token, no part received", st)
	}
}

// waits records the Transport's RateLimitWait events.
type waits struct {
	mu  sync.Mutex
	got []ascjwt.RateLimitWait
}

func (w *waits) add(e ascjwt.RateLimitWait) {
	w.mu.Lock()
	w.got = append(w.got, e)
	w.mu.Unlock()
}

func (w *waits) all() []ascjwt.RateLimitWait {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]ascjwt.RateLimitWait(nil), w.got...)
}

// burstClient sets srv's clock to start and its burst limit to one request
// a second, and returns a client for srv whose Transport reports each wait
// and, while it waits, moves the server's clock past the burst second, as
// the real wait would: the retry then passes whatever the real clock did.
func burstClient(t *testing.T, srv *asctest.Server, start time.Time, bundleID string) (*http.Client, *waits) {
	t.Helper()
	srv.SetClock(func() time.Time { return start })
	srv.SetBurstLimit(1)
	cfg := srv.Config()
	cfg.BundleID = bundleID
	src := apitest.Must(t, ascjwt.NewTokenSource, cfg)
	w := new(waits)
	tr := &ascjwt.Transport{Source: src, Base: srv.Client().Transport, MaxRetryWait: 5 * time.Second, Hooks: &ascjwt.Hooks{
		RateLimitWait: func(e ascjwt.RateLimitWait) {
			w.add(e)
			srv.Advance(time.Second)
		},
	}}
	return &http.Client{Transport: tr}, w
}

// TestBurst429IsWaitedOutByTheTransport: a 429 from asctest's burst limit,
// with Retry-After: 1, is waited out by the Transport within MaxRetryWait
// and the request then succeeds; the server counts one burst refusal and the
// hook one wait. This one waits a real second, the Retry-After asked.
func TestBurst429IsWaitedOutByTheTransport(t *testing.T) {
	srv := newFake(t)
	client, w := burstClient(t, srv, time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), "")

	for i := range 2 {
		if code := apitest.StatusOfConcurrent(t, client, srv.URL+"/v1/apps"); code != 200 {
			t.Fatalf("request %d: %d, want 200 (the second after waiting out a 429)", i+1, code)
		}
	}
	got := w.all()
	if len(got) != 1 || got[0].Wait != time.Second || got[0].Reason != "429, Retry-After" || got[0].Attempt != 1 {
		t.Errorf("waits %+v; want one of 1s for 429, Retry-After", got)
	}
	if st := srv.Stats(); st.BurstLimited != 1 || st.RateLimited != 1 || st.Accepted != 2 {
		t.Errorf("stats %+v; want one burst refusal and two accepted", st)
	}
}

// TestStoreServer429IsWaitedOutAtOnce: the App Store Server API's 429 gives
// Retry-After as UNIX milliseconds, a moment on the server's clock. The
// server's clock here is in 2020, so that moment is past for the Transport:
// it sends the request again without sleeping, and it passes.
func TestStoreServer429IsWaitedOutAtOnce(t *testing.T) {
	srv := newFake(t)
	client, w := burstClient(t, srv, time.Date(2020, 6, 1, 10, 0, 0, 0, time.UTC), "com.example.app")

	began := time.Now()
	for i := range 2 {
		requireStatus(t, client, srv.URL+"/inApps/v1/history/2000000000000001", 200, fmt.Sprintf("request %d", i+1))
	}
	got := w.all()
	if len(got) != 1 || got[0].Wait != 0 || got[0].Reason != "429, Retry-After" {
		t.Errorf("waits %+v; want one, of zero, for 429, Retry-After", got)
	}
	if st := srv.Stats(); st.BurstLimited != 1 || st.Accepted != 2 {
		t.Errorf("stats %+v; want one burst refusal and two accepted", st)
	}
	if took := time.Since(began); took > 900*time.Millisecond {
		t.Errorf("took %s: the Transport slept on a Retry-After already past", took)
	}
}
