package websocket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/coder/websocket"

	"github.com/portico-dev/portico/internal/fakeclock"
	"github.com/portico-dev/portico/internal/syncbuf"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/invoke"
)

// handlerFunc is a fake Lambda handler, called with the decoded event like aws-lambda-go does.
type handlerFunc func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)

// fakeInvoker runs handlers in process through the same JSON the runtime would carry.
type fakeInvoker struct {
	handlers    map[string]handlerFunc
	mu          sync.Mutex
	last        map[string]events.APIGatewayWebsocketProxyRequest
	payloads    map[string][]byte // the last event of each function, as sent
	calls       map[string]int
	disconnects chan events.APIGatewayWebsocketProxyRequest
	quiet       chan string // bodies of the messages QuietFn got
}

func (f *fakeInvoker) Invoke(ctx context.Context, c invoke.Call) (*invoke.Result, error) {
	function, payload := c.Function, c.Payload
	h, ok := f.handlers[function]
	if !ok {
		return nil, fmt.Errorf("no function %q", function)
	}
	var ev events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	f.mu.Lock()
	f.last[function] = ev
	f.payloads[function] = payload
	f.calls[function]++
	f.mu.Unlock()
	resp, err := h(ctx, ev)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(resp)
	return &invoke.Result{Payload: out}, err
}

// lastPayload is the last event of function as JSON, with every key the server sent.
func (f *fakeInvoker) lastPayload(function string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.payloads[function]
}

func (f *fakeInvoker) lastEvent(function string) (events.APIGatewayWebsocketProxyRequest, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last[function], f.calls[function]
}

// newManagementClient returns the SDK client a handler would use, pointed at the stage's
// callback URL and signing with static fake credentials (which the local API ignores).
func newManagementClient(callback string, hc *http.Client) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		BaseEndpoint: aws.String(callback),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCALFAKE", "local-fake-secret", ""),
		HTTPClient:   hc,
	})
}

// atCallback points one call at another callback URL, as a handler serving several stages does.
func atCallback(callback string) func(*apigatewaymanagementapi.Options) {
	return func(o *apigatewaymanagementapi.Options) { o.BaseEndpoint = aws.String(callback) }
}

// isAPIError reports whether err is the SDK's typed error T, decoded from a response with the
// given status, T's code in X-Amzn-ErrorType and a request ID.
func isAPIError[T smithy.APIError](err error, status int) bool {
	var typed T
	var resp *awshttp.ResponseError
	return errors.As(err, &typed) && errors.As(err, &resp) && resp.HTTPStatusCode() == status &&
		resp.Response.Header.Get("X-Amzn-ErrorType") == typed.ErrorCode() && resp.RequestID != ""
}

// httpStatus is the status of the response behind a successful SDK call.
func httpStatus(md middleware.Metadata) int {
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		return resp.StatusCode
	}
	return 0
}

// callbackURL is what a handler builds from its event, as the cloud's samples do.
func callbackURL(ev events.APIGatewayWebsocketProxyRequest) string {
	return "http://" + ev.RequestContext.DomainName + "/" + ev.RequestContext.Stage
}

const (
	testAPIID = "abcd1234ef"
	testStage = "prod"
)

// authorizerFunc adapts a function to ConnectAuthorizer.
type authorizerFunc func(ctx context.Context, r *check.Request) (map[string]any, *check.Caller, error)

func (f authorizerFunc) AuthorizeConnect(ctx context.Context, r *check.Request) (map[string]any, *check.Caller, error) {
	return f(ctx, r)
}

// authorizedRequests are the requests testAuthorizer allowed, so that an Admission can check
// that it runs after the authorizer.
var authorizedRequests sync.Map

func authorized(r *check.Request) bool {
	_, ok := authorizedRequests.Load(r)
	return ok
}

// testAuthorizer refuses without a token, errs on "Bearer broken" and allows "Bearer good".
var testAuthorizer = authorizerFunc(func(_ context.Context, r *check.Request) (map[string]any, *check.Caller, error) {
	switch r.Headers.Get("Authorization") {
	case "":
		return nil, nil, &Refusal{StatusCode: http.StatusUnauthorized, Message: "Unauthorized"}
	case "Bearer good":
		authorizedRequests.Store(r, true)
		return map[string]any{"principalId": "user-1", "scope": "chat"}, nil, nil
	case "Bearer broken":
		return nil, nil, errors.New("authorizer crashed")
	}
	return nil, nil, &Refusal{StatusCode: http.StatusForbidden, Message: "Forbidden"}
})

// newFakeInvoker returns handlers that behave like the sample functions.
func newFakeInvoker(mgmt *apigatewaymanagementapi.Client) *fakeInvoker {
	ok := events.APIGatewayProxyResponse{StatusCode: http.StatusOK}
	f := &fakeInvoker{
		last:        map[string]events.APIGatewayWebsocketProxyRequest{},
		payloads:    map[string][]byte{},
		calls:       map[string]int{},
		disconnects: make(chan events.APIGatewayWebsocketProxyRequest, 4096),
		quiet:       make(chan string, 16),
		handlers: map[string]handlerFunc{
			"ConnectFn": func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				switch {
				case ev.QueryStringParameters["deny"] != "":
					return events.APIGatewayProxyResponse{StatusCode: http.StatusForbidden}, nil
				case ev.QueryStringParameters["boom"] != "":
					return ok, errors.New("handler panicked")
				case strings.Contains(ev.Headers["Sec-Websocket-Protocol"], "chat.v1"):
					return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Headers: map[string]string{"Sec-WebSocket-Protocol": "chat.v1"}}, nil
				}
				return ok, nil
			},
			"EchoFn": func(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				var msg struct{ Data string }
				if err := json.Unmarshal([]byte(ev.Body), &msg); err != nil {
					return ok, err
				}
				_, err := mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
					ConnectionId: aws.String(ev.RequestContext.ConnectionID),
					Data:         []byte(msg.Data),
				}, atCallback(callbackURL(ev)))
				return ok, err
			},
			"WhoamiFn": func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				b, err := json.Marshal(map[string]any{"connectionId": ev.RequestContext.ConnectionID, "authorizer": ev.RequestContext.Authorizer})
				return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: string(b)}, err
			},
			"DefaultFn": func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				b, err := json.Marshal(map[string]any{"route": ev.RequestContext.RouteKey, "body": ev.Body})
				return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: string(b)}, err
			},
			"FailFn": func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				return ok, errors.New("handler failed")
			},
		},
	}
	// QuietFn answers nothing: its messages are data in one direction only.
	f.handlers["QuietFn"] = func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		select {
		case f.quiet <- ev.Body:
		default:
		}
		return ok, nil
	}
	return f
}

// harness is a Server behind a real HTTP listener on 127.0.0.1:0.
type harness struct {
	srv      *Server
	inv      *fakeInvoker
	mgmt     *apigatewaymanagementapi.Client // at callback
	wsURL    string                          // ws://127.0.0.1:port/prod
	callback string                          // http://127.0.0.1:port/prod
	logs     *syncBuffer
}

// syncBuffer collects the stage's log lines, written from many goroutines.
type syncBuffer struct{ syncbuf.Buffer }

// waitFor returns the logs once they hold every want, or what they hold after 5 s. Lines are
// written after the client sees the result (the 101, the reply posted to @connections), so a
// test that reads them at once races the server.
func (s *syncBuffer) waitFor(wants ...string) string { return s.WaitFor(5*time.Second, wants...) }

func defaultRoutes() map[string]Route {
	return map[string]Route{
		RouteConnect:    {Function: "ConnectFn"},
		RouteDisconnect: {Function: "DisconnectFn"},
		RouteDefault:    {Function: "DefaultFn", RouteResponse: true},
		"echo":          {Function: "EchoFn"},
		"whoami":        {Function: "WhoamiFn", RouteResponse: true},
		"fail":          {Function: "FailFn"},
		"quiet":         {Function: "QuietFn"},
	}
}

// newHarness starts a server; change tweaks the Config before New.
func newHarness(t testing.TB, change func(*Config)) *harness {
	t.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: 512}
	// The listener comes first: the management client needs its address, the server needs the
	// client (through the handlers) and the mux needs the server.
	mux := http.NewServeMux()
	ts := httptest.NewUnstartedServer(mux)
	t.Cleanup(func() {
		ts.Close()
		transport.CloseIdleConnections()
	})
	h := &harness{callback: "http://" + ts.Listener.Addr().String() + "/" + testStage, logs: &syncBuffer{}}
	h.wsURL = "ws" + strings.TrimPrefix(h.callback, "http")
	h.mgmt = newManagementClient(h.callback, &http.Client{Transport: transport, Timeout: 10 * time.Second})
	h.inv = newFakeInvoker(h.mgmt)
	h.inv.handlers["DisconnectFn"] = func(_ context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		select {
		case h.inv.disconnects <- ev:
		default:
		}
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	}
	cfg := Config{
		APIID:          testAPIID,
		Stage:          testStage,
		Routes:         defaultRoutes(),
		StageVariables: map[string]string{"table": "chat-local"},
		Invoker:        h.inv,
		Authorizer:     testAuthorizer,
		Logger:         slog.New(slog.NewJSONHandler(h.logs, nil)),
	}
	if change != nil {
		change(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.srv = srv
	mux.Handle("/"+testStage, srv.ConnectHandler())
	mux.Handle("/", srv.ManagementHandler())
	ts.Start()
	t.Cleanup(func() { // runs before the listener's cleanup
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return h
}

// dial connects with the token the test authorizer accepts.
func (h *harness) dial(t testing.TB, query string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, h.wsURL+query, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer good"}}})
	if err != nil {
		t.Fatalf("dial %s: %v", h.wsURL+query, err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// send writes a text message and returns the next message received, within 5 s.
func roundTrip(t testing.TB, c *websocket.Conn, msg string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read reply to %q: %v", msg, err)
	}
	return string(b)
}

// waitDisconnect returns the $disconnect event of connection id, failing after 5 s. Events of
// other connections (closed by earlier subtests) are skipped.
func (h *harness) waitDisconnect(t testing.TB, id string) events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-h.inv.disconnects:
			if ev.RequestContext.ConnectionID == id {
				return ev
			}
		case <-timeout:
			t.Fatalf("no $disconnect for %s within 5s", id)
		}
	}
}

// connectionID asks the server, through whoami, for the connection's ID.
func connectionID(t testing.TB, c *websocket.Conn) string {
	t.Helper()
	var who struct{ ConnectionID string }
	if err := json.Unmarshal([]byte(roundTrip(t, c, `{"action":"whoami"}`)), &who); err != nil || who.ConnectionID == "" {
		t.Fatalf("whoami: %v %+v", err, who)
	}
	return who.ConnectionID
}

// fakeClock is the Clock of tests that move time on (fakeclock.Clock, whose AfterFunc returns
// its own *Timer).
type fakeClock struct{ *fakeclock.Clock }

func newFakeClock() fakeClock {
	return fakeClock{fakeclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))}
}

func (c fakeClock) AfterFunc(d time.Duration, f func()) Timer { return c.Clock.AfterFunc(d, f) }

// liveConn is a client connection read in the background. A close the server starts waits for
// the client's answer, which a connection nobody reads never gives; with liveConn it completes
// even while the test goroutine runs the server's timers (fakeClock.Advance).
type liveConn struct {
	c    *websocket.Conn
	msgs chan string
	end  chan error // the read error that ended the connection
}

func readInBackground(c *websocket.Conn) *liveConn {
	l := &liveConn{c: c, msgs: make(chan string, 16), end: make(chan error, 1)}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				l.end <- err
				return
			}
			l.msgs <- string(b)
		}
	}()
	return l
}

// roundTrip sends msg and returns the next message, failing if the connection ends first or
// nothing comes within 5 s.
func (l *liveConn) roundTrip(t testing.TB, msg string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	select {
	case reply := <-l.msgs:
		return reply
	case err := <-l.end:
		t.Fatalf("connection ended before the reply to %q: %v", msg, err)
	case <-ctx.Done():
		t.Fatalf("no reply to %q within 5s", msg)
	}
	return ""
}

// closed waits, at most 5 s, for the connection to end and returns the error that ended it.
func (l *liveConn) closed(t testing.TB) error {
	t.Helper()
	select {
	case err := <-l.end:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("connection still open after 5s")
	}
	return nil
}
