package ascjwt

// maxUnwrap bounds the walk along a chain of wrapping sources, so that a
// source that unwraps to itself cannot make the Transport loop.
const maxUnwrap = 16

// unwrapper is a [TokenSource] that wraps another, to log or count its
// tokens, say, and says which one: the Transport then finds the optional
// interfaces ([Invalidator], [AcceptanceRecorder], [HostScoped],
// [RefusalJudge], [RetryPolicy]) of the source inside when the wrapper
// does not implement them itself, as net/http's ResponseController finds a
// ResponseWriter's methods.
type unwrapper interface {
	Unwrap() TokenSource
}

// find returns the first source along src's Unwrap chain, src itself
// first, that implements I.
func find[I any](src TokenSource) (I, bool) {
	for range maxUnwrap {
		if i, ok := src.(I); ok {
			return i, true
		}
		u, ok := src.(unwrapper)
		if !ok {
			break
		}
		if src = u.Unwrap(); src == nil {
			break
		}
	}
	var none I
	return none, false
}
