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
// each time.Time replaced by appleDate. encoding/json then matches names
// and reports errors as it would for the type itself, and no decoded type
// repeats its dates in a shadow of its own. A decoded type's fields are
// exported and none is embedded: the form copies names, types and tags
// only, and reflect.StructOf panics on an unexported field.
type appleForm struct {
	typ reflect.Type
	// field[i] is the decoded type's field that the form's field i holds:
	// the other fields in their order, then the dates in theirs, the order
	// in which MarshalJSON has always written them.
	field []int
	raw   int // the decoded type's field Raw, where it keeps the object it came from; -1 for none
}

var appleForms sync.Map // reflect.Type of a decoded type -> *appleForm

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

// formOf returns the form of typ, a decoded type, making it on first use.
func formOf(typ reflect.Type) *appleForm {
	if f, ok := appleForms.Load(typ); ok {
		return f.(*appleForm)
	}
	var others, dates []int
	for i := range typ.NumField() {
		if typ.Field(i).Type == timeType {
			dates = append(dates, i)
		} else {
			others = append(others, i)
		}
	}
	form := &appleForm{field: append(others, dates...), raw: -1}
	if f, ok := typ.FieldByName("Raw"); ok && len(f.Index) == 1 && f.Type == rawType {
		form.raw = f.Index[0]
	}
	fields := make([]reflect.StructField, len(form.field))
	for i, j := range form.field {
		f := typ.Field(j)
		if f.Type == timeType {
			f.Type = appleDateType
		}
		fields[i] = reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag}
	}
	form.typ = reflect.StructOf(fields)
	f, _ := appleForms.LoadOrStore(typ, form)
	return f.(*appleForm)
}

// of returns a value of the form holding a copy of v's fields.
func (form *appleForm) of(v reflect.Value) reflect.Value {
	out := reflect.New(form.typ).Elem()
	for i, j := range form.field {
		if f := out.Field(i); f.Type() == appleDateType {
			*f.Addr().Interface().(*appleDate) = appleDate(*v.Field(j).Addr().Interface().(*time.Time))
		} else {
			f.Set(v.Field(j))
		}
	}
	return out
}

// copyTo copies the fields of the form's value fv back into v.
func (form *appleForm) copyTo(v, fv reflect.Value) {
	for i, j := range form.field {
		if f := fv.Field(i); f.Type() == appleDateType {
			*v.Field(j).Addr().Interface().(*time.Time) = time.Time(*f.Addr().Interface().(*appleDate))
		} else {
			v.Field(j).Set(f)
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
	form := formOf(rv.Type())
	fv := form.of(rv)
	err := json.Unmarshal(b, fv.Addr().Interface())
	form.copyTo(rv, fv)
	if err != nil {
		return err
	}
	if form.raw >= 0 {
		if lent {
			b = bytes.Clone(b)
		}
		rv.Field(form.raw).SetBytes(b)
	}
	return nil
}

// unmarshalApple is the UnmarshalJSON method of every decoded type.
func unmarshalApple(b []byte, v any) error { return decodeApple(b, v, true) }

// marshalApple is the MarshalJSON method of every decoded type: Apple's
// form of *v, without Raw.
func marshalApple(v any) ([]byte, error) {
	rv := reflect.ValueOf(v).Elem()
	return json.Marshal(formOf(rv.Type()).of(rv).Interface())
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
