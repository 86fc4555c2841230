package asctest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/ascjwt/ascjwt"
)

// ErrorResponse is the body of the API's error answers.
type ErrorResponse struct {
	Errors []Error `json:"errors"`
}

// Error is one entry of an [ErrorResponse], in Apple's shape: the
// [ascjwt.ErrorObject] that [ascjwt.CheckResponse] decodes, so that the
// fake writes what the client reads.
type Error = ascjwt.ErrorObject

// ErrorSource is where in the request an [Error] is: a JSON pointer into
// the body, or a query parameter.
type ErrorSource = ascjwt.ErrorSource

func writeError(w http.ResponseWriter, status int, code, title, detail string) {
	writeJSON(w, status, ErrorResponse{Errors: []Error{{
		Status: fmt.Sprint(status), Code: code, Title: title, Detail: detail,
	}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// request is the body of a create or update request, JSON:API style, with
// the attributes of its resource type.
type request[A any] struct {
	Data struct {
		Type       string `json:"type"`
		ID         string `json:"id"`
		Attributes A      `json:"attributes"`
	} `json:"data"`
}

// maxRequestBody bounds a create or update request body.
const maxRequestBody = 1 << 20

// readRequest decodes a JSON:API request body of the given type, or answers
// Apple's error and returns false.
func readRequest[A any](w http.ResponseWriter, r *http.Request, typ string) (request[A], bool) {
	var req request[A]
	if err := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody)).Decode(&req); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "ENTITY_UNPROCESSABLE", "The request entity is not valid.",
			"The request body is not the JSON:API document this request takes: "+jsonProblem(err))
		return req, false
	}
	if req.Data.Type != typ {
		writeEntityError(w, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/type",
			fmt.Sprintf("The resource type must be %q for this request", typ)) // the type sent is not repeated: describe, never quote
		return req, false
	}
	return req, true
}

// writeEntityError answers 409 with a source pointer into the request.
func writeEntityError(w http.ResponseWriter, code, pointer, detail string) {
	writeJSON(w, http.StatusConflict, entityError(code, pointer, detail))
}

func entityError(code, pointer, detail string) ErrorResponse {
	return ErrorResponse{Errors: []Error{{
		Status: "409", Code: code, Title: "The provided entity includes an attribute with an invalid value",
		Detail: detail, Source: &ErrorSource{Pointer: pointer},
	}}}
}

// writeParameterError answers 400 for a query parameter the request may
// not carry or whose value is not one, naming the parameter in Apple's
// source.parameter.
func writeParameterError(w http.ResponseWriter, parameter, detail string) {
	writeJSON(w, http.StatusBadRequest, ErrorResponse{Errors: []Error{{
		Status: "400", Code: "PARAMETER_ERROR.INVALID", Title: "A parameter has an invalid value",
		Detail: detail, Source: &ErrorSource{Parameter: parameter},
	}}})
}

// jsonProblem says what encoding/json found wrong with a request body,
// without the input.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	default:
		return "want {\"name\": value, ...}"
	}
}
