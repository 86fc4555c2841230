package exchange

// InvalidateToken implements ascjwt.Invalidator for the API's source: the
// API refused tok with a 401. A 401 to a token the API accepted before
// means it was revoked or expired early, and a new exchange cures it: tok
// is dropped at once, so that the next caller waits for a new one. A 401 to
// a token never accepted may be about the request (an account not allowed
// that call), which a new token does not cure: it is dropped only if no
// token was dropped within [DropInterval]. And once a token made to replace
// a dropped one is refused too before any request with it succeeded, 401s
// are not about the token: no token is dropped, accepted or not, until
// DropInterval has passed since that drop. So a mix of allowed and refused
// requests costs one exchange a DropInterval, not one per refusal. A token
// already replaced is left alone, so that many requests refused with one
// token cause one exchange.
func (s *Source[T]) InvalidateToken(tok *T) {
	if tok == nil {
		return
	}
	value := s.cfg.Value(tok)
	now := s.cfg.Now()
	s.mu.Lock()
	m := s.cur
	if m == nil || m.dropped || m.value != value {
		s.mu.Unlock()
		return
	}
	accepted := m.accepted.Load()
	recent := !s.lastDrop.IsZero() && !now.Before(s.lastDrop) && now.Sub(s.lastDrop) < DropInterval
	drop := false
	switch {
	case now.Before(s.stormUntil):
		// A fresh token was refused too: a new one cures nothing yet.
	case !accepted && recent:
		if m.afterDrop {
			s.stormUntil = s.lastDrop.Add(DropInterval)
		}
	default:
		m.dropped, s.lastDrop, drop = true, now, true
	}
	s.mu.Unlock()
	if drop {
		s.cache.Invalidate(tok)
	}
}
