// Package tokenmark lets the token sources beside the root package give
// their tokens the flag the root's Transport sets when a server accepts a
// token, without making that field of ascjwt.Token public. The root package
// sets Bind when it is initialised, before any package that imports it can
// run; a source calls it on each token it makes.
package tokenmark

import "sync/atomic"

// Bind gives tok, an *ascjwt.Token, the flag accepted. The root package
// sets it.
var Bind func(tok any, accepted *atomic.Bool)
