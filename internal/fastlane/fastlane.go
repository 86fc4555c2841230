// Package fastlane reads fastlane's App Store Connect API key JSON file:
//
//	{"key_id": "D383SF739", "issuer_id": "6053b7fe-...", "key": "-----BEGIN PRIVATE KEY-----\n...",
//	 "is_key_content_base64": false, "duration": 1200, "in_house": false}
//
// strictly enough to say what is wrong with a bad one, and without ever
// quoting its bytes: the file holds a private key.
package fastlane

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// MaxSize bounds the file: a key file with a .p8 inside is under a kilobyte.
const MaxSize = 64 << 10

// maxSeconds is the longest token duration fastlane and spaceship accept, in
// seconds: Apple's 20 minutes.
const maxSeconds = 1200

// Key is the content of a fastlane API key JSON file.
type Key struct {
	KeyID, IssuerID string
	Key             string // the .p8 text, or its base64 when KeyIsBase64
	FilePath        string
	KeyIsBase64     bool
	Duration        time.Duration // zero when absent
	InHouse         bool
	HasInHouse      bool
}

// Parse reads fastlane's API key JSON:
//
//	{"key_id": "D383SF739", "issuer_id": "6053b7fe-...", "key": "-----BEGIN PRIVATE KEY-----\n...",
//	 "is_key_content_base64": false, "duration": 1200, "in_house": false}
//
// Unknown fields are ignored, as fastlane ignores them; a known field of the
// wrong type is an error naming it, since fastlane would misread it silently
// (in Ruby the string "false" is true). No error holds a byte of the input
// beyond the names of fields: the file holds a key.
func Parse(data []byte) (Key, error) {
	var k Key
	if len(data) > MaxSize {
		return k, fmt.Errorf("%d bytes is too large for an API key JSON", len(data))
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return k, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return k, errors.New("there is more after the JSON object; want one object with key_id, issuer_id and key")
	}
	if fields == nil {
		return k, errors.New("the JSON is null; want an object with key_id, issuer_id and key")
	}
	var err error
	str := func(name string, dst *string) {
		if raw, ok := fields[name]; ok && err == nil {
			err = decodeField(name, raw, "string", dst)
		}
	}
	boolean := func(name string, dst *bool) bool {
		raw, ok := fields[name]
		if !ok || err != nil || jsonKind(raw) == "null" {
			return false
		}
		err = decodeField(name, raw, "boolean", dst)
		return err == nil
	}
	str("key_id", &k.KeyID)
	str("issuer_id", &k.IssuerID)
	str("key", &k.Key)
	str("filepath", &k.FilePath)
	boolean("is_key_content_base64", &k.KeyIsBase64)
	k.HasInHouse = boolean("in_house", &k.InHouse)
	if err != nil {
		return Key{}, err
	}
	if raw, ok := fields["duration"]; ok {
		if k.Duration, err = decodeDuration(raw); err != nil {
			return Key{}, err
		}
	}
	if k.KeyID == "" && k.IssuerID == "" && k.Key == "" && k.FilePath == "" {
		return Key{}, errors.New("it holds none of key_id, issuer_id, key and filepath; is it an App Store Connect API key file?")
	}
	return k, nil
}

// decodeField decodes a field that must be of kind want ("string",
// "boolean"); null counts as absent.
func decodeField(name string, raw json.RawMessage, want string, dst any) error {
	kind := jsonKind(raw)
	if kind == "null" {
		return nil
	}
	if kind != want {
		return fmt.Errorf("%s is %s %s; want a %s", name, article(kind), kind, want)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%s is not a valid JSON %s", name, want)
	}
	return nil
}

// decodeDuration reads fastlane's duration: seconds, as a number or, as Ruby
// converts it, a string of digits.
func decodeDuration(raw json.RawMessage) (time.Duration, error) {
	var text string
	switch jsonKind(raw) {
	case "null":
		return 0, nil
	case "number":
		text = string(raw)
	case "string":
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, errors.New("duration is not a valid JSON string")
		}
		if len(text) > 20 {
			return 0, errors.New("duration is not a number of seconds")
		}
	default:
		kind := jsonKind(raw)
		return 0, fmt.Errorf("duration is %s %s; want a number of seconds, e.g. 1200", article(kind), kind)
	}
	s, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil {
		return 0, errors.New("duration is not a number of seconds, e.g. 1200")
	}
	return Seconds(s)
}

// jsonKind names the JSON type of a raw value by its first byte, for errors
// that say what was found without showing it.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "empty value"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func article(kind string) string {
	if strings.IndexByte("aeiou", kind[0]) >= 0 {
		return "an"
	}
	return "a"
}

// jsonError describes a decoding error by position and type only: the
// encoding/json messages quote the offending character, which may be a
// byte of the key.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return fmt.Errorf("it is not valid JSON: syntax error at line %d, column %d", line, col)
	case errors.As(err, &typ):
		return fmt.Errorf("the JSON is %s %s; want an object with key_id, issuer_id and key", article(typ.Value), typ.Value)
	case errors.Is(err, io.EOF):
		return errors.New("the file is empty; want a JSON object with key_id, issuer_id and key")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the JSON ends too early; the file may be truncated")
	}
	return errors.New("it is not valid JSON")
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}

// Seconds checks a token duration in seconds the way fastlane does:
// positive and at most Apple's 20 minutes.
func Seconds(s float64) (time.Duration, error) {
	if s != s || s < 1 || s > maxSeconds || s != float64(int64(s)) {
		return 0, fmt.Errorf("duration %v is not a whole number of seconds from 1 to %d (Apple's 20 minutes)", s, maxSeconds)
	}
	return time.Duration(s) * time.Second, nil
}
