package asctest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// asset is the part of an appScreenshots answer the tests read.
type asset struct {
	Data struct {
		ID         string
		Attributes struct {
			FileSize           int
			SourceFileChecksum *string
			UploadOperations   []struct {
				Method         string
				URL            string
				Length, Offset int
				RequestHeaders []struct{ Name, Value string }
			}
			AssetDeliveryState struct{ State string }
		}
	}
}

// uploadServer starts a server for t whose upload parts are partSize
// bytes, and returns it with an Authorization value for it.
func uploadServer(t *testing.T, partSize int) (*Server, string) {
	srv := newServer(t)
	srv.SetUploadPartSize(partSize)
	return srv, bearer(t, srv)
}

func reserveBody(name string, size int) []byte {
	return fmt.Appendf(nil, `{"data":{"type":"appScreenshots","attributes":{"fileName":%q,"fileSize":%d},"relationships":{"appScreenshotSet":{"data":{"type":"appScreenshotSets","id":"1"}}}}}`, name, size)
}

func commitBody(id, checksum string) []byte {
	return fmt.Appendf(nil, `{"data":{"type":"appScreenshots","id":%q,"attributes":{"uploaded":true,"sourceFileChecksum":%q}}}`, id, checksum)
}

func TestUploadCompletesOnlyWhenEveryPartArrived(t *testing.T) {
	srv, auth := uploadServer(t, 4)
	file := []byte("0123456789") // three parts: 4, 4 and 2 bytes
	sum := md5.Sum(file)
	checksum := hex.EncodeToString(sum[:])

	status, _, body := do(t, srv, "POST", srv.URL+"/v1/appScreenshots", auth, nil, reserveBody("shot.png", len(file)))
	if status != http.StatusCreated {
		t.Fatalf("reservation: %d %s", status, body)
	}
	var a asset
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	ops := a.Data.Attributes.UploadOperations
	if len(ops) != 3 || a.Data.Attributes.AssetDeliveryState.State != "AWAITING_UPLOAD" {
		t.Fatalf("reservation answered %d operations in state %q, want 3 awaiting upload: %s", len(ops), a.Data.Attributes.AssetDeliveryState.State, body)
	}
	for i, op := range ops {
		u, err := url.Parse(op.URL)
		if err != nil {
			t.Fatal(err)
		}
		if op.Method != "PUT" || op.Offset != 4*i || op.Length != min(4, len(file)-4*i) {
			t.Errorf("operation %d: %s offset %d length %d", i, op.Method, op.Offset, op.Length)
		}
		if ip := net.ParseIP(u.Hostname()); ip != nil || u.Hostname() == "localhost" || u.Hostname() != UploadHost {
			t.Errorf("operation %d is on host %q; want %s, not loopback", i, u.Hostname(), UploadHost)
		}
		if len(op.RequestHeaders) != 1 || op.RequestHeaders[0].Name != "Content-Type" || op.RequestHeaders[0].Value != "image/png" {
			t.Errorf("operation %d request headers %+v", i, op.RequestHeaders)
		}
	}
	put := func(i int) {
		t.Helper()
		op := ops[i]
		h := http.Header{}
		for _, rh := range op.RequestHeaders {
			h.Set(rh.Name, rh.Value)
		}
		if status, _, body := do(t, srv, op.Method, op.URL, "", h, file[op.Offset:op.Offset+op.Length]); status != http.StatusOK {
			t.Fatalf("part %d: %d %s", i+1, status, body)
		}
	}
	commit := func(checksum string) (int, []Error, asset) {
		t.Helper()
		status, _, body := do(t, srv, "PATCH", srv.URL+"/v1/appScreenshots/"+a.Data.ID, auth, nil, commitBody(a.Data.ID, checksum))
		var e ErrorResponse
		var got asset
		json.Unmarshal(body, &e)
		json.Unmarshal(body, &got)
		return status, e.Errors, got
	}

	put(0)
	put(2)
	if status, errs, _ := commit(checksum); status != http.StatusConflict || len(errs) != 1 || errs[0].Code != "STATE_ERROR" || !strings.Contains(errs[0].Detail, "1 of 3") || !strings.Contains(errs[0].Detail, "part 2") {
		t.Fatalf("commit with part 2 missing: %d %+v; want 409 STATE_ERROR naming part 2", status, errs)
	}
	put(1)
	if status, errs, _ := commit(strings.Repeat("0", 32)); status != http.StatusConflict || len(errs) != 1 || errs[0].Source == nil || errs[0].Source.Pointer != "/data/attributes/sourceFileChecksum" {
		t.Fatalf("commit with a wrong checksum: %d %+v; want 409 at sourceFileChecksum", status, errs)
	}
	status, errs, got := commit(checksum)
	if status != http.StatusOK || got.Data.Attributes.AssetDeliveryState.State != "COMPLETE" || got.Data.Attributes.UploadOperations != nil {
		t.Fatalf("commit with every part: %d %+v %+v; want 200 COMPLETE without operations", status, errs, got.Data.Attributes)
	}
	if c := got.Data.Attributes.SourceFileChecksum; c == nil || *c != checksum {
		t.Errorf("committed checksum %v, want %s", c, checksum)
	}
	status, _, body = do(t, srv, "GET", srv.URL+"/v1/appScreenshots/"+a.Data.ID, auth, nil, nil)
	if err := json.Unmarshal(body, &got); err != nil || status != 200 || got.Data.Attributes.AssetDeliveryState.State != "COMPLETE" {
		t.Errorf("reading the asset: %d %s", status, body)
	}
	if status, _, _ := do(t, srv, "PUT", ops[0].URL, "", http.Header{"Content-Type": {"image/png"}}, file[:4]); status != http.StatusNotFound {
		t.Errorf("a part after the commit: %d, want 404", status)
	}
	if st := srv.Stats(); st.PartsReceived != 3 || st.UploadsRefused != 0 {
		t.Errorf("stats %+v; want 3 parts received, none refused", st)
	}
}

func TestUploadOriginRefusesAnyAuthorizationAndMalformedParts(t *testing.T) {
	srv, auth := uploadServer(t, 4)
	_, _, body := do(t, srv, "POST", srv.URL+"/v1/appScreenshots", auth, nil, reserveBody("shot.jpg", 6))
	var a asset
	if err := json.Unmarshal(body, &a); err != nil || len(a.Data.Attributes.UploadOperations) != 2 {
		t.Fatalf("reservation: %s", body)
	}
	op := a.Data.Attributes.UploadOperations[0]
	jpeg := http.Header{"Content-Type": {"image/jpeg"}}
	for _, tc := range []struct {
		name   string
		auth   string
		header http.Header
		body   string
		want   string
	}{
		{"the API token", auth, jpeg, "abcd", "unauthenticated"},
		{"any Authorization", "Basic dXNlcjpwYXNz", jpeg, "abcd", "unauthenticated"},
		{"no Content-Type", "", nil, "abcd", "Content-Type image/jpeg"},
		{"short", "", jpeg, "abc", "the part is 3 bytes"},
		{"long", "", jpeg, "abcde", "more than 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := do(t, srv, "PUT", op.URL, tc.auth, tc.header, []byte(tc.body))
			if status != http.StatusBadRequest || !strings.Contains(string(body), tc.want) {
				t.Errorf("%d %q; want 400 saying %q", status, body, tc.want)
			}
			if strings.Contains(string(body), "abc") {
				t.Errorf("the answer quotes the part: %q", body)
			}
		})
	}
	if st := srv.Stats(); st.UploadsRefused != 2 || st.PartsReceived != 0 {
		t.Errorf("stats %+v; want 2 refused for a token, no part received", st)
	}
	if status, _, _ := do(t, srv, "PUT", strings.Replace(op.URL, "/1", "/9", 1), "", jpeg, []byte("abcd")); status != http.StatusNotFound {
		t.Errorf("a part out of range: %d, want 404", status)
	}
	if status, _, _ := do(t, srv, "POST", op.URL, "", jpeg, []byte("abcd")); status != http.StatusMethodNotAllowed {
		t.Errorf("POST to an upload URL: %d, want 405", status)
	}
}

func TestReservationRefusesWhatAppleRefuses(t *testing.T) {
	srv := newServer(t)
	auth := bearer(t, srv)
	for _, tc := range []struct {
		name, body    string
		status        int
		code, pointer string
	}{
		{"not JSON", `{"data":`, 422, "ENTITY_UNPROCESSABLE", ""},
		{"another type", `{"data":{"type":"apps","attributes":{"fileName":"a.png","fileSize":1}}}`, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/type"},
		{"no fileName", `{"data":{"type":"appScreenshots","attributes":{"fileSize":1}}}`, 409, "ENTITY_ERROR.ATTRIBUTE.REQUIRED", "/data/attributes/fileName"},
		{"not an image", `{"data":{"type":"appScreenshots","attributes":{"fileName":"a.gif","fileSize":1}}}`, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/fileName"},
		{"no fileSize", `{"data":{"type":"appScreenshots","attributes":{"fileName":"a.png"}}}`, 409, "ENTITY_ERROR.ATTRIBUTE.REQUIRED", "/data/attributes/fileSize"},
		{"empty file", `{"data":{"type":"appScreenshots","attributes":{"fileName":"a.png","fileSize":0}}}`, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/fileSize"},
		{"too large to keep", `{"data":{"type":"appScreenshots","attributes":{"fileName":"a.png","fileSize":1000000000}}}`, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/fileSize"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := do(t, srv, "POST", srv.URL+"/v1/appScreenshots", auth, nil, []byte(tc.body))
			var e ErrorResponse
			if err := json.Unmarshal(body, &e); err != nil || status != tc.status || len(e.Errors) != 1 || e.Errors[0].Code != tc.code {
				t.Fatalf("%d %s; want %d %s", status, body, tc.status, tc.code)
			}
			if tc.pointer != "" && (e.Errors[0].Source == nil || e.Errors[0].Source.Pointer != tc.pointer) {
				t.Errorf("source %+v, want pointer %s", e.Errors[0].Source, tc.pointer)
			}
		})
	}
	if status, _, _ := do(t, srv, "POST", srv.URL+"/v1/appScreenshots", "", nil, reserveBody("a.png", 1)); status != 401 {
		t.Errorf("a reservation without a token: %d, want 401", status)
	}
	if status, _, _ := do(t, srv, "PATCH", srv.URL+"/v1/appScreenshots/nope", auth, nil, commitBody("nope", "")); status != 404 {
		t.Errorf("committing an unknown asset: %d, want 404", status)
	}
	if status, _, _ := do(t, srv, "PATCH", srv.URL+"/v1/appScreenshots/a", auth, nil, commitBody("b", "")); status != 409 {
		t.Errorf("committing with another id in the body: %d, want 409", status)
	}
}

func TestConcurrentPartsAllArrive(t *testing.T) {
	srv, auth := uploadServer(t, 7)
	file := []byte(strings.Repeat("abcdefghijklmnopqrstuvwxyz", 10))
	_, _, body := do(t, srv, "POST", srv.URL+"/v1/appScreenshots", auth, nil, reserveBody("a.png", len(file)))
	var a asset
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	ops := a.Data.Attributes.UploadOperations
	var wg sync.WaitGroup
	for _, op := range ops {
		wg.Go(func() {
			req, _ := http.NewRequest(op.Method, op.URL, bytes.NewReader(file[op.Offset:op.Offset+op.Length]))
			req.Header.Set("Content-Type", "image/png")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("part at %d: %d", op.Offset, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	sum := md5.Sum(file)
	status, _, body := do(t, srv, "PATCH", srv.URL+"/v1/appScreenshots/"+a.Data.ID, auth, nil, commitBody(a.Data.ID, hex.EncodeToString(sum[:])))
	var got asset
	json.Unmarshal(body, &got)
	if status != 200 || got.Data.Attributes.AssetDeliveryState.State != "COMPLETE" || srv.Stats().PartsReceived != len(ops) {
		t.Errorf("after %d parts in parallel: %d %s", len(ops), status, body)
	}
}

func TestUploadURLsWorkOverPlainHTTP(t *testing.T) {
	srv := NewUnstartedServer()
	srv.Start()
	defer srv.Close()
	auth := bearer(t, srv)
	status, _, body := do(t, srv, "POST", srv.URL+"/v1/appScreenshots", auth, nil, reserveBody("a.png", 3))
	var a asset
	if err := json.Unmarshal(body, &a); err != nil || status != 201 || len(a.Data.Attributes.UploadOperations) != 1 {
		t.Fatalf("reservation: %d %s", status, body)
	}
	op := a.Data.Attributes.UploadOperations[0]
	if !strings.HasPrefix(op.URL, "http://"+UploadHost+"/") {
		t.Errorf("upload URL %q, want http://%s/...", op.URL, UploadHost)
	}
	if status, _, body := do(t, srv, "PUT", op.URL, "", http.Header{"Content-Type": {"image/png"}}, []byte("abc")); status != 200 {
		t.Errorf("PUT over plain HTTP: %d %s", status, body)
	}
}
