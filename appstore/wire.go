package appstore

import (
	"bytes"
	"encoding/json"
)

// A wired type decodes from and encodes to Apple's JSON through its wire
// form: the type itself with each date read through millis. wire also
// returns where the type keeps the object it came from (Raw), or nil for a
// type that keeps none.
type wired interface {
	wire() (form any, raw *json.RawMessage)
}

// decodeWire decodes b through w's wire form and keeps b as Raw, or a copy
// of b when it is lent: encoding/json lends an UnmarshalJSON method its
// input only for the call.
func decodeWire(b []byte, w wired, lent bool) error {
	form, raw := w.wire()
	if err := json.Unmarshal(b, form); err != nil {
		return err
	}
	if raw != nil {
		if lent {
			b = bytes.Clone(b)
		}
		*raw = b
	}
	return nil
}

// unmarshalWire is the UnmarshalJSON method of every wired type.
func unmarshalWire(b []byte, w wired) error { return decodeWire(b, w, true) }

// marshalWire is the MarshalJSON method of every wired type: it encodes
// the wire form, not Raw.
func marshalWire(w wired) ([]byte, error) {
	form, _ := w.wire()
	return json.Marshal(form)
}

// member returns the raw value of obj's member key, for a JSON object that
// encoding/json has just decoded without error: the last member whose name
// matches key as encoding/json matches it (exactly or without regard to
// case), or nil. It looks only for the ends of strings and the depth of
// brackets, which is all a valid object needs.
func member(obj []byte, key string) json.RawMessage {
	var found json.RawMessage
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil
	}
	i++
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) || obj[i] != '"' {
			return found // '}' (or not an object after all)
		}
		end := stringEnd(obj, i)
		name := obj[i+1 : end-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			var s string
			if json.Unmarshal(obj[i:end], &s) == nil {
				name = []byte(s)
			}
		}
		i = skipSpace(obj, end)
		i = skipSpace(obj, i+1) // the ':'
		start := i
		i = valueEnd(obj, i)
		if bytes.EqualFold(name, []byte(key)) {
			found = obj[start:i]
		}
		i = skipSpace(obj, i)
		if i >= len(obj) || obj[i] != ',' {
			return found
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string that starts at b[i].
func stringEnd(b []byte, i int) int {
	i++
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		i += q
		backslashes := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			backslashes++
		}
		i++
		if backslashes%2 == 0 {
			return i
		}
	}
}

// valueEnd returns the index just past the value that starts at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	return i
}
