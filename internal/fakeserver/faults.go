package fakeserver

import (
	"context"
	"net/http"
	"sync"
)

// Failure is the response every exchange gets while a token endpoint is
// failing: a status and, in the API's error shape, a code and a
// description (OAuth's error and error_description, or Maps' message and
// details).
type Failure struct {
	Status            int
	Code, Description string
}

// Faults are a token endpoint's failure controls, which read the same in
// every fake that has one (mapstest, axmtest): Fail makes every exchange
// fail until Recover; Hang holds every exchange until Release, until the
// client gives up, or until the fake closes. The zero value fails nothing;
// it is safe for concurrent use.
type Faults struct {
	mu   sync.Mutex
	fail *Failure
	hang chan struct{} // closed to let the held exchanges go on; nil when not hanging
	held int
}

// Fail makes every exchange from now on get f.
func (f *Faults) Fail(fail Failure) {
	f.mu.Lock()
	f.fail = &fail
	f.mu.Unlock()
}

// Recover makes exchanges succeed again after Fail.
func (f *Faults) Recover() {
	f.mu.Lock()
	f.fail = nil
	f.mu.Unlock()
}

// Hang makes every exchange from now on wait until Release, and returns a
// release that lets go of this hang only (a later Hang is not released by
// it). Calling release more than once is harmless.
func (f *Faults) Hang() (release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hang == nil {
		f.hang = make(chan struct{})
	}
	ch := f.hang
	return func() { f.release(ch) }
}

// Release lets the exchanges held by Hang go on, and later ones run at
// once.
func (f *Faults) Release() {
	f.mu.Lock()
	ch := f.hang
	f.mu.Unlock()
	if ch != nil {
		f.release(ch)
	}
}

func (f *Faults) release(ch chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hang == ch {
		f.hang = nil
		close(ch)
	}
}

// Held returns how many exchanges are waiting now, held by Hang.
func (f *Faults) Held() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held
}

// Enter is where an exchange meets the controls: it waits while the
// endpoint hangs, until Release or until ctx is done (then ok is false and
// the exchange must send no response; see [Faults.Hold]), and returns the failure the exchange is
// to answer with, if any.
func (f *Faults) Enter(ctx context.Context) (fail *Failure, ok bool) {
	f.mu.Lock()
	hang := f.hang
	if hang != nil {
		f.held++
	}
	f.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
			ok = true
		case <-ctx.Done():
		}
		f.mu.Lock()
		f.held--
		f.mu.Unlock()
		if !ok {
			return nil, false
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail, true
}

// Hold is [Faults.Enter] for a handler serving r. A request whose client
// gave up while it was held is aborted with [http.ErrAbortHandler], which
// sends no response: returning from the handler would send an empty 200
// that a client cancelling at that moment can still read as a response.
func (f *Faults) Hold(r *http.Request) (fail *Failure) {
	fail, ok := f.Enter(r.Context())
	if !ok {
		panic(http.ErrAbortHandler)
	}
	return fail
}
