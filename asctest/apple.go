package asctest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
)

// ErrorResponse is the body of the API's error answers.
type ErrorResponse struct {
	Errors []Error `json:"errors"`
}

// Error is one entry of an [ErrorResponse], in Apple's shape.
type Error struct {
	Status string `json:"status"`
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	// Source points at the part of the request the error is about, when
	// the error is about one.
	Source *ErrorSource `json:"source,omitempty"`
}

// ErrorSource is where in the request an [Error] is: a JSON pointer into
// the body, or a query parameter.
type ErrorSource struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, title, detail string) {
	writeJSON(w, status, ErrorResponse{Errors: []Error{{
		Status: fmt.Sprint(status), Code: code, Title: title, Detail: detail,
	}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// newKeyID makes a key ID in Apple's form: ten capital letters and digits.
func newKeyID() string {
	return rand.Text()[:10] // base32: A-Z and 2-7, uniformly
}

// newUUID makes an issuer ID in Apple's form, a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
