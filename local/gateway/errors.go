package gateway

import (
	"context"
	"errors"
	"net/http"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/runtime"
)

// Error is an answer the gateway gives instead of the integration's: access checks return it
// (e.g. 401 Unauthorized), and the pipeline's own refusals use it.
type Error struct {
	Status  int
	Message string // the "message" of the JSON body
	Type    string // x-amzn-ErrorType on REST APIs, e.g. "MissingAuthenticationTokenException"
	// ResponseType is the REST gateway response type that shapes the answer (gatewayresponse.go),
	// each the one "Gateway response types for API Gateway" (supported-gateway-response-types.html)
	// names for the failure; "" for answers made in front of API Gateway (wire and head limits),
	// which no gateway response shapes.
	ResponseType string
	Headers      http.Header
	key          string // the body's key; Default: "message"
	body         []byte // a gateway response's rendered body, sent as contentType; nil: the JSON message
	contentType  string
}

func (e *Error) Error() string { return e.Message }

// malformedResponse means the handler's response does not follow the proxy format.
type malformedResponse struct{ reason string }

func (e *malformedResponse) Error() string { return "malformed Lambda proxy response: " + e.reason }

// integrationError means the integration could not be invoked (e.g. a stage variable names
// no alias).
type integrationError struct{ err error }

func (e *integrationError) Error() string { return e.err.Error() }
func (e *integrationError) Unwrap() error { return e.err }

// Canonical answers, with the bodies API Gateway sends.
func missingToken() *Error {
	return &Error{Status: http.StatusForbidden, Message: "Missing Authentication Token", Type: "MissingAuthenticationTokenException", ResponseType: "MISSING_AUTHENTICATION_TOKEN"}
}

// noOutputMapping is the answer of a MOCK integration whose integration responses match none of
// its status codes and have no default: the cloud's configuration error (API_CONFIGURATION_ERROR,
// "when integration response mapping can't match any template and no default template is
// configured", supported-gateway-response-types.html).
func noOutputMapping() *Error {
	return &Error{Status: http.StatusInternalServerError, Message: "Internal server error", ResponseType: "API_CONFIGURATION_ERROR"}
}

func notFound() *Error { return &Error{Status: http.StatusNotFound, Message: "Not Found"} }

// toError is the one place that maps failures to API Gateway's status codes and bodies.
func toError(kind Kind, err error) *Error {
	var (
		ge        *Error
		fnErr     *runtime.FunctionError
		crash     *runtime.CrashError
		timeout   *runtime.TimeoutError
		tooLarge  *runtime.PayloadTooLargeError
		malformed *malformedResponse
		denial    *check.Denial
	)
	internal := &Error{Status: http.StatusInternalServerError, Message: "Internal server error", ResponseType: "DEFAULT_5XX"}
	// INTEGRATION_FAILURE: "The gateway response for an integration failed error".
	badGateway := &Error{Status: http.StatusBadGateway, Message: "Internal server error", ResponseType: "INTEGRATION_FAILURE"}
	if kind == HTTP {
		// HTTP APIs answer every integration failure with 500 "Internal Server Error".
		internal.Message = "Internal Server Error"
		badGateway = internal
	}
	switch {
	case errors.As(err, &ge):
		return ge
	case errors.As(err, &denial):
		return &Error{Status: denial.Status, Message: denial.Message, Type: denial.Type, ResponseType: denial.ResponseType, Headers: denial.Header, key: denial.MessageKey}
	case errors.As(err, &fnErr), errors.As(err, &crash), errors.As(err, &timeout), errors.As(err, &malformed):
		// The function ran and failed: Lambda reports its own timeout ("Task timed out") as a
		// function error too.
		return badGateway
	case errors.Is(err, context.DeadlineExceeded):
		// API Gateway's integration timeout.
		if kind == HTTP {
			return &Error{Status: http.StatusGatewayTimeout, Message: "Service Unavailable"}
		}
		return &Error{Status: http.StatusGatewayTimeout, Message: "Endpoint request timed out", ResponseType: "INTEGRATION_TIMEOUT"}
	case errors.As(err, &tooLarge):
		return tooLong(kind)
	case errors.Is(err, errBodyTimeout):
		return &Error{Status: http.StatusRequestTimeout, Message: "Request Timeout", ResponseType: "DEFAULT_4XX"}
	}
	// Lambda refused the invocation (a throttled function, runtime.ThrottledError, included) or
	// the integration could not be invoked: 500.
	return internal
}

func tooLong(kind Kind) *Error {
	if kind == HTTP {
		return &Error{Status: http.StatusRequestEntityTooLarge, Message: "Request Entity Too Large"}
	}
	return &Error{Status: http.StatusRequestEntityTooLarge, Message: "Request Too Long", ResponseType: "REQUEST_TOO_LARGE"}
}
