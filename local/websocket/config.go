package websocket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/invoke"
)

// Route keys that API Gateway gives a fixed meaning.
const (
	RouteConnect    = "$connect"
	RouteDisconnect = "$disconnect"
	RouteDefault    = "$default"
)

// DefaultRouteSelectionExpression is what API Gateway proposes for a new WebSocket API.
const DefaultRouteSelectionExpression = "$request.body.action"

// ConnectAuthorizer decides, during the upgrade and before the $connect route runs, whether a
// client may connect. It gets the upgrade as access control sees it (the request as received,
// headers, query string, source IP, stage variables, route key $connect). It returns what every
// event of the connection then carries: the authorizer context (requestContext.authorizer, nil
// for none) and the SigV4 caller of a $connect route with IAM authorization (filling
// requestContext.identity as on a REST API, nil for none). An error refuses the upgrade: a
// *Refusal or *check.Denial with its status code, any other error with 500.
type ConnectAuthorizer interface {
	AuthorizeConnect(ctx context.Context, r *check.Request) (authorizer map[string]any, caller *check.Caller, err error)
}

// Admission decides whether a request may run its route: on $connect after the authorizer (the
// request then carries the upgrade's headers), and for each message after route selection (the
// request carries the route key). This is where API keys, usage plans and throttles apply. A
// *Refusal or *check.Denial refuses the upgrade with its status code, or answers the message
// with an error frame holding its message instead of running the route; any other error counts
// as 500 Internal server error.
type Admission interface {
	Admit(ctx context.Context, r *check.Request) error
}

// Refusal is the error a ConnectAuthorizer returns to refuse a connection with a status
// code, typically 401 {"message":"Unauthorized"} or 403 {"message":"Forbidden"}.
type Refusal struct {
	StatusCode int
	Message    string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("connection refused: %d %s", r.StatusCode, r.Message)
}

// Route is the integration of one route key.
type Route struct {
	// Function is the logical ID of the Lambda function that handles the route.
	Function string
	// RouteResponse makes the route two-way: the integration response body is sent back to
	// the client. Default: false (one-way; the handler answers through @connections).
	RouteResponse bool
}

// Limits are the WebSocket quotas of API Gateway. A zero field takes the cloud's value.
type Limits struct {
	// FrameBytes is the largest frame a client may send. Default: 32 KB.
	FrameBytes int64
	// MessageBytes is the largest message a client may send or @connections may post. Default: 128 KB.
	MessageBytes int64
	// IdleTimeout closes a connection with no data message in either direction. Default: 10 minutes.
	IdleTimeout time.Duration
	// MaxDuration closes any connection this long after it opened. Default: 2 hours.
	MaxDuration time.Duration
	// IntegrationTimeout bounds each route's Lambda invocation. Default: 29 seconds.
	IntegrationTimeout time.Duration
}

// Config describes one stage of one WebSocket API.
type Config struct {
	// APIID is the API's ID, as in requestContext.apiId. Required.
	APIID string
	// Stage is the stage name, as in requestContext.stage and the @connections path. Required.
	Stage string
	// RouteSelectionExpression picks the route key of a message: $request.body.<dotted path>.
	// Default: $request.body.action.
	RouteSelectionExpression string
	// Routes maps route keys ($connect, $disconnect, $default or custom keys) to integrations.
	Routes map[string]Route
	// StageVariables are passed as stageVariables in every event. Default: none.
	StageVariables map[string]string
	// Limits are the quotas. Default: the cloud's (see Limits).
	Limits Limits
	// Invoker runs the route handlers: each gets an events.APIGatewayWebsocketProxyRequest and
	// answers an events.APIGatewayProxyResponse. Required.
	Invoker invoke.Invoker
	// Authorizer runs before $connect. Default: nil, no authorizer.
	Authorizer ConnectAuthorizer
	// Admission runs before every route, after the authorizer. Default: nil, admit everything.
	Admission Admission
	// Manage authorizes each @connections call (POST, GET or DELETE) before it looks up the
	// connection or acts, with the request as received, its body (read once, at most
	// Limits.MessageBytes) and the connection ID: this is where SigV4 and
	// execute-api:ManageConnections are checked. A *check.Denial refuses the call with its
	// status, X-Amzn-ErrorType and body; any other error with 500. Default: nil, every caller
	// may manage connections.
	Manage func(ctx context.Context, r *http.Request, body []byte, connectionID string) error
	// Logger gets one line per connection, per message and per management call. Default: discard.
	Logger *slog.Logger
	// Clock gives the connections their times (connectedAt, lastActiveAt, the events' request
	// times) and runs their idle and duration limits. Latencies in the log use the system clock.
	// Default: the system clock.
	Clock Clock
}

// Clock is the time source of a Server's connections; tests replace it to move time on.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f, in any goroutine, once d has passed, unless the Timer is stopped
	// first; as time.AfterFunc.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is what a Clock's AfterFunc returns: *time.Timer for the system clock.
type Timer interface {
	Stop() bool
	Reset(d time.Duration) bool
}

// systemClock is the real time.
type systemClock struct{}

func (systemClock) Now() time.Time                            { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// withDefaults validates cfg and fills in the defaults.
func (cfg Config) withDefaults() (Config, error) {
	var errs []error
	if cfg.APIID == "" {
		errs = append(errs, errors.New("websocket API id is required"))
	}
	if cfg.Stage == "" || strings.ContainsAny(cfg.Stage, "/@") {
		errs = append(errs, fmt.Errorf("stage name must be non-empty without \"/\" or \"@\", got %q", cfg.Stage))
	}
	if cfg.Invoker == nil {
		errs = append(errs, errors.New("websocket API needs an Invoker to run its routes"))
	}
	if cfg.RouteSelectionExpression == "" {
		cfg.RouteSelectionExpression = DefaultRouteSelectionExpression
	}
	if _, err := parseSelectionExpression(cfg.RouteSelectionExpression); err != nil {
		errs = append(errs, err)
	}
	for key, r := range cfg.Routes {
		if key == "" || r.Function == "" {
			errs = append(errs, fmt.Errorf("route %q needs a route key and a function, got function %q", key, r.Function))
		}
	}
	for _, l := range []struct {
		name string
		v    int64
	}{
		{"frame size", cfg.Limits.FrameBytes},
		{"message size", cfg.Limits.MessageBytes},
		{"idle timeout", int64(cfg.Limits.IdleTimeout)},
		{"maximum duration", int64(cfg.Limits.MaxDuration)},
		{"integration timeout", int64(cfg.Limits.IntegrationTimeout)},
	} {
		if l.v < 0 {
			errs = append(errs, fmt.Errorf("%s limit must be positive (or zero for the default), got %d", l.name, l.v))
		}
	}
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	return cfg, errors.Join(errs...)
}

func (l Limits) withDefaults() Limits {
	if l.FrameBytes == 0 {
		l.FrameBytes = 32 << 10
	}
	if l.MessageBytes == 0 {
		l.MessageBytes = 128 << 10
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = 10 * time.Minute
	}
	if l.MaxDuration == 0 {
		l.MaxDuration = 2 * time.Hour
	}
	if l.IntegrationTimeout == 0 {
		l.IntegrationTimeout = 29 * time.Second
	}
	return l
}

// parseSelectionExpression turns "$request.body.a.b" (or "${request.body.a.b}") into the
// JSON path ["a", "b"].
func parseSelectionExpression(expr string) ([]string, error) {
	const prefix = "$request.body."
	e := expr
	if strings.HasPrefix(e, "${") && strings.HasSuffix(e, "}") {
		e = "$" + e[2:len(e)-1]
	}
	path, ok := strings.CutPrefix(e, prefix)
	if !ok || path == "" || strings.Contains(path, "..") || strings.HasSuffix(path, ".") {
		return nil, fmt.Errorf("route selection expression must be %s<field>[.<field>...], got %q", prefix, expr)
	}
	return strings.Split(path, "."), nil
}

// selectRouteKey evaluates a parsed selection expression against a message body. ok is false
// when the body is not a JSON object or the path does not lead to a string, number or boolean.
func selectRouteKey(path []string, body []byte) (key string, ok bool) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return "", false
	}
	for _, field := range path {
		obj, isObj := v.(map[string]any)
		if !isObj {
			return "", false
		}
		v = obj[field]
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}
