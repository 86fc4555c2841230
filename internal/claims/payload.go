package claims

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Static is the part of a token's payload that does not change between
// tokens of one source.
type Static struct {
	Issuer   string   `json:"iss,omitempty"`
	Subject  string   `json:"sub,omitempty"`
	Audience string   `json:"aud"`
	Scope    []string `json:"scope,omitempty"`
	BundleID string   `json:"bid,omitempty"`
}

// Prefix encodes the static claims once, as a JSON object without its closing
// brace, so that each new token only appends its two timestamps.
func (s Static) Prefix() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // scopes hold '&'; keep them readable in the token
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	out := bytes.TrimRight(buf.Bytes(), "\n")
	return out[:len(out)-1], nil // drop '}'
}

// AppendPayload appends to dst the whole payload: prefix, then iat and exp as
// whole seconds.
func AppendPayload(dst, prefix []byte, iat, exp int64) []byte {
	dst = append(dst, prefix...)
	dst = append(dst, `,"iat":`...)
	dst = strconv.AppendInt(dst, iat, 10)
	dst = append(dst, `,"exp":`...)
	dst = strconv.AppendInt(dst, exp, 10)
	return append(dst, '}')
}
