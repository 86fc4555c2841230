package respbody

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestPeekReadsTheStartAndGivesTheWholeBodyBack(t *testing.T) {
	orig := &closeRecorder{Reader: strings.NewReader("0123456789")}
	resp := &http.Response{Body: orig}
	head, err := Peek(resp, 4)
	if err != nil || string(head) != "0123" {
		t.Fatalf("Peek = %q, %v; want the first 4 bytes", head, err)
	}
	if all, _ := io.ReadAll(resp.Body); string(all) != "0123456789" {
		t.Errorf("the body reads %q afterwards, want all of it from the start", all)
	}
	resp.Body.Close()
	if !orig.closed {
		t.Error("closing the body did not close the original")
	}
}

func TestPeekLeavesAResponseWithoutBodyAlone(t *testing.T) {
	for _, body := range []io.ReadCloser{nil, http.NoBody} {
		resp := &http.Response{Body: body}
		if head, err := Peek(resp, 4); head != nil || err != nil || resp.Body != body {
			t.Errorf("Peek of body %v = %q, %v, body %v; want nil, nil and the body unchanged", body, head, err, resp.Body)
		}
	}
}

// TestStatusNamesTheCodeInGosWords: a known status gets Go's text, an
// unknown one its code alone.
func TestStatusNamesTheCodeInGosWords(t *testing.T) {
	for code, want := range map[int]string{429: "429 Too Many Requests", 404: "404 Not Found", 599: "599"} {
		if got := Status(code); got != want {
			t.Errorf("Status(%d) = %q, want %q", code, got, want)
		}
	}
}
