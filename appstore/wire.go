package appstore

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sync"
	"time"
)

// Apple's form of a decoded type (a Transaction, a RenewalInfo, ...) is
// the type's own fields and names, but for its dates: Apple sends each as a
// JSON number of milliseconds since 1970, which time.Time does not read.
// So every decoded type is read and written through one form of it made
// once, by reflection: a struct type with the same fields, names and tags,
// each time.Time replaced by appleDate. encoding/json then matches names,
// and reports errors, exactly as it would for the type itself, and no
// decoded type repeats its dates in a shadow of its own.
var appleForms sync.Map // reflect.Type of a decoded type -> reflect.Type of its form

var (
	timeType      = reflect.TypeFor[time.Time]()
	appleDateType = reflect.TypeFor[appleDate]()
	rawType       = reflect.TypeFor[json.RawMessage]()
)

// appleDate is a time.Time in Apple's form, read and written as millis.
type appleDate time.Time

func (d *appleDate) UnmarshalJSON(b []byte) error { return millis{(*time.Time)(d)}.UnmarshalJSON(b) }

func (d appleDate) MarshalJSON() ([]byte, error) { return appendMillis(nil, time.Time(d)), nil }

// IsZero makes omitzero leave an absent date out.
func (d appleDate) IsZero() bool { return time.Time(d).IsZero() }

// appleForm returns the form of v, a pointer to a decoded type, holding a
// copy of *v's fields.
func appleForm(v reflect.Value) reflect.Value {
	typ := v.Type()
	form, ok := appleForms.Load(typ)
	if !ok {
		fields := make([]reflect.StructField, typ.NumField())
		for i := range fields {
			f := typ.Field(i)
			if f.Type == timeType {
				f.Type = appleDateType
			}
			fields[i] = reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag}
		}
		form, _ = appleForms.LoadOrStore(typ, reflect.StructOf(fields))
	}
	out := reflect.New(form.(reflect.Type)).Elem()
	copyFields(out, v)
	return out
}

// copyFields copies each field of src into the same field of dst, one of
// them a decoded type and the other its form.
func copyFields(dst, src reflect.Value) {
	for i := range dst.NumField() {
		d, s := dst.Field(i), src.Field(i)
		switch {
		case d.Type() == timeType:
			*d.Addr().Interface().(*time.Time) = time.Time(*s.Addr().Interface().(*appleDate))
		case d.Type() == appleDateType:
			*d.Addr().Interface().(*appleDate) = appleDate(*s.Addr().Interface().(*time.Time))
		default:
			d.Set(s)
		}
	}
}

// decodeApple decodes b, Apple's JSON, into v, a pointer to a decoded
// type, as encoding/json decodes into a struct: the fields b does not name
// are left as they were. On success v's Raw, where its type has one, is b,
// or a copy of b when b is lent: encoding/json lends an UnmarshalJSON
// method its input only for the call.
func decodeApple(b []byte, v any, lent bool) error {
	rv := reflect.ValueOf(v).Elem()
	form := appleForm(rv)
	err := json.Unmarshal(b, form.Addr().Interface())
	copyFields(rv, form)
	if err != nil {
		return err
	}
	if raw := rv.FieldByName("Raw"); raw.IsValid() && raw.Type() == rawType {
		if lent {
			b = bytes.Clone(b)
		}
		raw.SetBytes(b)
	}
	return nil
}

// unmarshalApple is the UnmarshalJSON method of every decoded type.
func unmarshalApple(b []byte, v any) error { return decodeApple(b, v, true) }

// marshalApple is the MarshalJSON method of every decoded type: Apple's
// form of *v, without Raw.
func marshalApple(v any) ([]byte, error) {
	return json.Marshal(appleForm(reflect.ValueOf(v).Elem()).Interface())
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
