package devtoken

import "encoding/json"

// Claims are the claims of a developer token as MusicKit and WeatherKit
// take it, in the order Apple's pages list them: iss (the Team ID), iat and
// exp, and the one claim each API adds, sub (WeatherKit's Service ID) or
// origin (MusicKit's browser origins). A claim left empty is not sent.
type Claims struct {
	Issuer   string   `json:"iss"`
	IssuedAt int64    `json:"iat"`
	Expiry   int64    `json:"exp"`
	Subject  string   `json:"sub,omitempty"`
	Origin   []string `json:"origin,omitempty"`
}

// Payload is a [Spec]'s Payload for c: c with iat and exp filled in.
func (c Claims) Payload(iat, exp int64) ([]byte, error) {
	c.IssuedAt, c.Expiry = iat, exp
	return json.Marshal(c)
}
