// Package invoke is the one contract between the code that needs a Lambda function run (the
// gateway's routes, the Lambda authorizers, WebSocket routes) and the code that runs it
// (local/runtime, or an in-process stand-in in tests).
package invoke

import (
	"context"
	"time"
)

// Call is one synchronous invocation.
type Call struct {
	// Function is the function's ID in the assembly (assembly.Function.ID).
	Function string
	// Qualifier is the alias or version the caller resolved; "" is $LATEST.
	Qualifier string
	// Payload is the event, as JSON.
	Payload []byte
}

// Result is an invocation: a successful one, or, returned with the error, one that failed after
// a function process was given the call or started for it (Payload and RequestID then empty).
type Result struct {
	// Payload is the function's response, as JSON.
	Payload   []byte
	RequestID string
	// Cold is set when a new function process was started for the call.
	Cold bool
	// Queued is how long the call waited for a process because all the function's processes
	// were busy at its concurrency limit (0: one was free).
	Queued   time.Duration
	Duration time.Duration
}

// Invoker runs functions. When the function itself fails (a returned error, a panic), the error
// must be or wrap a *messages.InvokeResponse_Error of aws-lambda-go, so that callers can read the
// function's error message (a Lambda authorizer's "Unauthorized" becomes a 401). With an error,
// the Result is nil when no process took the call (a refused payload, a throttled function, a
// caller that left while it waited) and set when one did or was started for it (a failed cold
// start is Cold), so that callers can say whether the function ran.
type Invoker interface {
	Invoke(ctx context.Context, c Call) (*Result, error)
}

// Func adapts a function to Invoker, e.g. an in-process handler in a test.
type Func func(ctx context.Context, c Call) (*Result, error)

// Invoke calls f.
func (f Func) Invoke(ctx context.Context, c Call) (*Result, error) { return f(ctx, c) }
