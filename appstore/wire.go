package appstore

import (
	"bytes"
	"encoding/json"
)

// A wired type decodes from and encodes to Apple's JSON through the value
// its wire method returns: the type itself with each date read through
// millis. It keeps the object it came from as Raw.
type wired interface {
	wire() any
	setRaw(json.RawMessage)
}

// unmarshalWire decodes b into w and keeps a copy of b: encoding/json lends
// an UnmarshalJSON method its input only for the call.
func unmarshalWire(b []byte, w wired) error {
	if err := json.Unmarshal(b, w.wire()); err != nil {
		return err
	}
	w.setRaw(bytes.Clone(b))
	return nil
}
