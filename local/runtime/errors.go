package runtime

import (
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// FunctionError is an error the handler reported through the Runtime API (a returned error,
// a recovered panic, or an init error). API Gateway answers it with 502.
type FunctionError struct {
	Function string
	Type     string // errorType, e.g. "errorString" or "Runtime.ExitError"
	Message  string
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("function %s failed: %s: %s", e.Function, e.Type, e.Message)
}

// Unwrap exposes the error as aws-lambda-go's own type, which callers that speak Lambda's
// vocabulary (the authorizers in local/access) match with errors.As.
func (e *FunctionError) Unwrap() error {
	return &messages.InvokeResponse_Error{Message: e.Message, Type: e.Type}
}

// TimeoutError means the function ran past its timeout (or did not finish init in time); its
// process was killed.
type TimeoutError struct {
	Function string
	Timeout  time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("function %s timed out after %s", e.Function, e.Timeout)
}

// CrashError means the function's process exited while it held an invocation.
type CrashError struct {
	Function string
	Exit     string // the process state, e.g. "exit status 2"
}

func (e *CrashError) Error() string {
	return fmt.Sprintf("function %s crashed: %s", e.Function, e.Exit)
}

// PayloadTooLargeError means the event exceeded Lambda's 6 MB synchronous payload limit.
type PayloadTooLargeError struct {
	Function    string
	Size, Limit int
}

func (e *PayloadTooLargeError) Error() string {
	return fmt.Sprintf("function %s: event of %d bytes exceeds the %d byte invoke payload limit", e.Function, e.Size, e.Limit)
}

// ThrottledError means the function cannot run: its reserved concurrency is 0.
type ThrottledError struct{ Function string }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("function %s is throttled (reserved concurrency 0)", e.Function)
}

// UnknownFunctionError means no loaded function has that ID.
type UnknownFunctionError struct{ Function string }

func (e *UnknownFunctionError) Error() string {
	return fmt.Sprintf("no function %q in the assembly", e.Function)
}
