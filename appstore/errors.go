package appstore

import "errors"

// The refusals a Verify method returns, tested with [errors.Is]. Each is
// one of Apple's VerificationStatus values, and the error that carries it
// (a [*VerificationError]) says which rule was broken and what to do.
//
// Only [ErrRetryable] says to try again: answer App Store Server
// Notifications with a 5xx status and the App Store sends the notification
// again later. Every other refusal is final for that payload.
var (
	// ErrVerification: the signature, the algorithm, the certificates'
	// Apple OIDs or the OCSP response did not check out
	// (VERIFICATION_FAILURE).
	ErrVerification = errors.New("appstore: signed data failed verification (VERIFICATION_FAILURE)")

	// ErrRetryable: an online check could not be completed, because the
	// OCSP responder could not be reached, timed out, or answered other than
	// 200 (RETRYABLE_VERIFICATION_FAILURE). Try again later.
	ErrRetryable = errors.New("appstore: verification could not be completed; try again later (RETRYABLE_VERIFICATION_FAILURE)")

	// ErrInvalidAppIdentifier: the payload is for another bundle ID, or in
	// Production for another App Apple ID (INVALID_APP_IDENTIFIER).
	ErrInvalidAppIdentifier = errors.New("appstore: signed data is for another app (INVALID_APP_IDENTIFIER)")

	// ErrInvalidEnvironment: the payload is for another environment than
	// VerifierConfig.Environment (INVALID_ENVIRONMENT).
	ErrInvalidEnvironment = errors.New("appstore: signed data is for another environment (INVALID_ENVIRONMENT)")

	// ErrInvalidCertificate: a certificate of the chain does not parse, is
	// not valid at the time the chain is checked at, names no OCSP
	// responder, or is revoked (INVALID_CERTIFICATE).
	ErrInvalidCertificate = errors.New("appstore: a certificate of the chain is invalid (INVALID_CERTIFICATE)")

	// ErrInvalidChainLength: the header's x5c is missing or does not hold
	// exactly three certificates (INVALID_CHAIN_LENGTH).
	ErrInvalidChainLength = errors.New("appstore: the x5c chain does not hold three certificates (INVALID_CHAIN_LENGTH)")

	// ErrInvalidChain: the chain does not lead to one of the verifier's
	// roots (INVALID_CHAIN).
	ErrInvalidChain = errors.New("appstore: the certificate chain does not lead to a trusted root (INVALID_CHAIN)")

	// ErrInvalidFormat: the input is not a compact JWS of JSON objects whose
	// fields have the types Apple documents (INVALID_JWT_FORMAT).
	ErrInvalidFormat = errors.New("appstore: signed data is not a well-formed JWS (INVALID_JWT_FORMAT)")
)

// Status is the name Apple's App Store Server Library gives a refusal: its
// VerificationStatus (Python, Node, Java) or VerificationError (Swift).
type Status string

// The statuses, one for each of the errors above.
const (
	StatusVerificationFailure  Status = "VERIFICATION_FAILURE"
	StatusRetryable            Status = "RETRYABLE_VERIFICATION_FAILURE"
	StatusInvalidAppIdentifier Status = "INVALID_APP_IDENTIFIER"
	StatusInvalidEnvironment   Status = "INVALID_ENVIRONMENT"
	StatusInvalidCertificate   Status = "INVALID_CERTIFICATE"
	StatusInvalidChainLength   Status = "INVALID_CHAIN_LENGTH"
	StatusInvalidChain         Status = "INVALID_CHAIN"
	StatusInvalidFormat        Status = "INVALID_JWT_FORMAT"
)

// sentinel is the error value errors.Is matches for each status.
var sentinel = map[Status]error{
	StatusVerificationFailure:  ErrVerification,
	StatusRetryable:            ErrRetryable,
	StatusInvalidAppIdentifier: ErrInvalidAppIdentifier,
	StatusInvalidEnvironment:   ErrInvalidEnvironment,
	StatusInvalidCertificate:   ErrInvalidCertificate,
	StatusInvalidChainLength:   ErrInvalidChainLength,
	StatusInvalidChain:         ErrInvalidChain,
	StatusInvalidFormat:        ErrInvalidFormat,
}

// A VerificationError is what every Verify method returns when it refuses
// signed data. errors.Is matches it to the sentinel of its Status
// ([ErrVerification], [ErrRetryable], ...) and to its cause; use
// [errors.As] to read the status name, as `ascjwt verify` prints it.
//
// Its text describes the payload and never quotes it: no signature,
// certificate or claim value appears in it.
type VerificationError struct {
	Status Status // Apple's name for the refusal
	Rule   string // the rule that was broken and what to do, in words
	Err    error  // what went wrong underneath, such as a network error; may be nil
}

// Error says which rule the signed data broke and Apple's status name, then
// the underlying cause, if any; it quotes nothing of the payload.
func (e *VerificationError) Error() string {
	s := "appstore: " + e.Rule + " (" + string(e.Status) + ")"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is the sentinel error of e's status.
func (e *VerificationError) Is(target error) bool {
	return target != nil && sentinel[e.Status] == target
}

// Unwrap returns the underlying error, so that errors.Is sees a
// context.DeadlineExceeded or a network error behind ErrRetryable.
func (e *VerificationError) Unwrap() error { return e.Err }

// refuse returns the error for a broken rule.
func refuse(status Status, rule string) *VerificationError {
	return &VerificationError{Status: status, Rule: rule}
}

// refuseWith is refuse with an underlying error.
func refuseWith(status Status, rule string, err error) *VerificationError {
	return &VerificationError{Status: status, Rule: rule, Err: err}
}
