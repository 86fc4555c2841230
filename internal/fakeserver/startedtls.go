package fakeserver

// StartedTLS starts s with TLS and returns it: each fake's NewServer, given
// the server of its NewUnstartedServer, as [httptest.NewTLSServer] is
// [httptest.NewUnstartedServer] started with TLS.
func StartedTLS[S interface{ StartTLS() }](s S) S {
	s.StartTLS()
	return s
}
