// Package gateway is the request pipeline of the local gateway: it serves the REST and HTTP APIs
// of a cloud assembly as API Gateway would. A request walks small steps, each computed once:
// address -> route -> access (the route's guard from local/access) -> event (payload 1.0 or
// 2.0) -> invoke (any invoke.Invoker) -> response mapping, with one place mapping failures to
// the cloud's answers. APIs it addresses but does not serve (WebSocket APIs) are handed to a
// Mount in the address step; local/serve wires everything together.
package gateway

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/internal/logtext"
	"github.com/portico-dev/portico/local/internal/proxyevent"
	"github.com/portico-dev/portico/local/invoke"
)

// MaxBody is API Gateway's payload limit.
const MaxBody = 10 * 1024 * 1024

// AccessControl decides, once per route at start-up, how access to it is enforced;
// *access.Gate is the one `portico serve` uses.
type AccessControl interface {
	// Guard returns the check of the target (nil when none is needed), or an error saying why
	// the route cannot be served faithfully.
	Guard(t access.Target) (access.Guard, error)
}

// Mount serves the stages of an API that the gateway addresses but does not serve itself (a
// WebSocket API): stage is the path segment after the API id, rest the escaped path after it.
type Mount interface {
	ServeStage(w http.ResponseWriter, r *http.Request, stage, rest string)
}

// MountDecider is a Mount that can also replay the access decision of a request to its stages
// without running any function behind it (`portico explain`); trace receives each decision.
type MountDecider interface {
	DecideStage(r *http.Request, stage, rest string, trace func(line string)) error
}

// Exchange is one request as it walks the pipeline. Each field is computed once.
type Exchange struct {
	Request *http.Request
	Body    []byte
	API     *API
	Stage   *assembly.Stage
	Route   *Route
	// Path is the path inside the stage as the REST event's `path` carries it: as received
	// (escaped, trailing and inner doubled slashes kept) with one leading slash ("/items/a%2Bb/").
	Path string
	// RawPath is the path as received after the API id, with its named stage and one leading
	// slash: HTTP rawPath and requestContext.path ("/prod//items/a%2Bb/").
	RawPath string
	// PathParams are the values of the route's path variables: as received on REST APIs,
	// decoded on HTTP APIs.
	PathParams map[string]string
	Query      url.Values // the query string, parsed
	SourceIP   string     // the client's address
	// RequestID (a UUID) and ExtendedRequestID (16 characters, "LgWuQE_GoAMFjdA=") are the two
	// ids API Gateway gives a request; requestID says which one the API reports as its own.
	RequestID, ExtendedRequestID string
	Start                        time.Time
	// Grant is what the access check admitted the request with (nil: no check).
	Grant *access.Grant

	segs     []reqSeg              // the segments of Path, matched against routes
	endpoint *assembly.VPCEndpoint // the VPC endpoint listener the request arrived on
	caller   *check.Caller         // the IAM identity explain assumes
	trail    []string              // access decisions, for explain
	tracing  bool                  // record trail (explain only)

	function    string         // the function the route invokes
	preflighted bool           // the gateway answered a CORS preflight no route takes
	ran         *invoke.Result // what the invoker said about the call; nil: no process took it

	spelled map[string]string // canonical header name -> the client's spelling (nil: unknown)
	trace   string            // X-Amzn-Trace-Id of the event and the answer
	cfID    string            // X-Amz-Cf-Id of an EDGE API's request and answer (cloudFront)
	via     string            // Via of an EDGE API's request and answer (cloudFront)
}

// Options configures a Server.
type Options struct {
	// Access enforces authorizers, API keys and resource policies.
	// Default: routes needing any are refused by name.
	Access AccessControl
	// Mounts serve the APIs the gateway addresses but does not serve itself, by API id.
	// Default: none.
	Mounts map[string]Mount
	// Log receives one line per request. Default: io.Discard.
	Log io.Writer
	// Unrunnable names functions that cannot run on this host, with the reason; routes to
	// them are refused at start-up.
	Unrunnable map[string]string
}

// Server is the gateway's http.Handler.
type Server struct {
	invoker invoke.Invoker
	apis    map[string]*API
	list    []*API
	mounts  map[string]Mount
	log     io.Writer
	logMu   sync.Mutex
}

// New builds the route table of asm. Routes that cannot be served are kept (and answered
// with 501) so that a request never falls through to a less specific route.
func New(asm *assembly.Assembly, invoker invoke.Invoker, opts Options) *Server {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	s := &Server{invoker: invoker, apis: map[string]*API{}, mounts: opts.Mounts, log: opts.Log}
	for _, api := range buildAPIs(asm) {
		for _, rt := range api.Routes {
			if reason, ok := opts.Unrunnable[rt.Function]; ok && rt.Refused == "" {
				rt.Refused = reason
			}
			if rt.Refused != "" {
				continue
			}
			if opts.Access == nil {
				if what := rt.Requirements(); what != "" {
					rt.Refused = what + ": access control not yet emulated"
				}
				continue
			}
			guard, err := opts.Access.Guard(rt.target())
			if err != nil {
				rt.Refused = err.Error()
			}
			rt.guard = guard
		}
		s.apis[api.ID] = api
		s.list = append(s.list, api)
	}
	return s
}

// APIs lists the served APIs in assembly order.
func (s *Server) APIs() []*API { return s.list }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serveVia(w, r, nil) }

// Via serves requests as arriving through the listener of an execute-api VPC endpoint, the
// only way to reach a private API.
func (s *Server) Via(ep *assembly.VPCEndpoint) http.Handler { return via{s, ep} }

// via is the handler of a VPC endpoint's listener.
type via struct {
	*Server
	ep *assembly.VPCEndpoint
}

func (v via) ServeHTTP(w http.ResponseWriter, r *http.Request) { v.serveVia(w, r, v.ep) }

func (s *Server) serveVia(w http.ResponseWriter, r *http.Request, ep *assembly.VPCEndpoint) {
	x := &Exchange{Request: r, Start: time.Now(), endpoint: ep}
	x.stamp()
	status, err := s.serve(w, x)
	if status == mounted {
		return // the mount logs its own requests
	}
	if err != nil {
		kind := REST
		if x.API != nil {
			kind = x.API.Kind
		}
		if errors.Is(r.Context().Err(), context.Canceled) && !errors.Is(err, errBodyTimeout) {
			status = StatusAbandoned // nobody is left to answer
		} else {
			ge := x.shape(toError(kind, err))
			status = ge.Status
			writeError(w, x, ge)
		}
	}
	s.logRequest(x, status, err)
}

// StatusAbandoned is the status the request log gives a request whose client closed the
// connection before the answer, as nginx logs it (499); no answer is sent.
const StatusAbandoned = 499

// mounted is the status serve returns when a Mount answered the request.
const mounted = -1

// serve runs the pipeline; on error nothing has been written.
func (s *Server) serve(w http.ResponseWriter, x *Exchange) (int, error) {
	m, err := s.address(x)
	if err != nil {
		return 0, err
	}
	if m != nil {
		stage, rest := x.mountPath()
		m.ServeStage(w, x.Request, stage, rest)
		return mounted, nil
	}
	if x.Request.ContentLength > MaxBody {
		return 0, tooLong(x.API.Kind)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, x.Request.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return 0, tooLong(x.API.Kind)
		}
		if errors.Is(err, errBodyTimeout) {
			return 0, err
		}
		return 0, &Error{Status: http.StatusBadRequest, Message: "Bad Request"}
	}
	x.Body = body
	if err := s.admit(x); err != nil {
		return 0, err
	}
	if x.preflighted {
		return x.answerPreflight(w), nil
	}
	rep, err := s.invoke(x)
	if err != nil {
		return 0, err
	}
	h := w.Header()
	for k, v := range rep.headers {
		h[k] = v
	}
	setRequestID(h, x)
	x.answerHeaders(h, true)
	x.corsHeaders(h)
	writeBody(w, rep.status, rep.body)
	return rep.status, nil
}

// admit matches the route and runs its access check.
func (s *Server) admit(x *Exchange) error {
	if err := s.route(x); err != nil {
		return err
	}
	if x.preflighted || x.Route.guard == nil {
		return nil
	}
	req := x.accessRequest()
	if len(req.MethodARN()) > maxMethodARN {
		return uriTooLong()
	}
	grant, err := x.Route.guard(x.Request.Context(), req)
	x.Grant = grant
	return err
}

// accessRequest is the request as access control sees it.
func (x *Exchange) accessRequest() *check.Request {
	r := &check.Request{
		Region: x.API.Region, AccountID: x.API.Account, APIID: x.API.ID, Stage: x.Stage.Name, RequestID: x.requestID(),
		Method: x.Request.Method, Path: canonicalPath(x.segs), ResourcePath: x.Route.Path, RouteKey: x.Route.RouteKey,
		Headers: x.Request.Header, Query: x.Query, PathParams: x.PathParams, StageVars: x.Stage.Variables, Caller: x.caller, HTTP: x.Request, Body: x.Body,
	}
	r.SourceIP, _ = netip.ParseAddr(x.SourceIP) // invalid stays the zero Addr: no source IP
	r.SourceIP = r.SourceIP.Unmap()
	if x.endpoint != nil {
		r.VpceID, r.VpcID = x.endpoint.ID, x.endpoint.VpcID
	}
	if x.tracing {
		r.Trace = func(line string) { x.trail = append(x.trail, line) }
	}
	return r
}

// Decide runs the pipeline up to the access decision for r, arriving through ep (nil: the public
// listener) from the IAM identity caller (nil is anonymous: the request's signer, if signed),
// without invoking the integration (the body, up to MaxBody, is read for the signature). It
// returns the matched route (nil when none, and for a mounted API, which decides through its
// MountDecider), the access decisions taken in order, and the refusal (nil: the request would
// reach its integration). `portico explain` uses it.
func (s *Server) Decide(r *http.Request, ep *assembly.VPCEndpoint, caller *check.Caller) (*Route, []string, error) {
	x := &Exchange{Request: r, RequestID: "explain", endpoint: ep, caller: caller, tracing: true}
	if r.Body != nil {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody))
		if err != nil {
			return nil, nil, err
		}
		x.Body = body
	}
	m, err := s.address(x)
	switch {
	case err != nil:
	case m != nil:
		d, ok := m.(MountDecider)
		if !ok {
			return nil, nil, &Error{Status: http.StatusNotImplemented, Message: "explain does not replay requests to API " + x.Request.Host + x.Request.URL.Path}
		}
		stage, rest := x.mountPath()
		err = d.DecideStage(r, stage, rest, func(line string) { x.trail = append(x.trail, line) })
	default:
		if err = s.admit(x); err == nil && x.preflighted {
			err = ErrAnsweredByGateway
		}
	}
	return x.Route, x.trail, err
}

// ErrAnsweredByGateway is what Decide returns for a request API Gateway answers itself without
// refusing it (a CORS preflight no route takes): it reaches no integration.
var ErrAnsweredByGateway = errors.New("answered by API Gateway itself (a CORS preflight no route takes): no authorizer, no integration")

// mountPath is the stage and the rest of the path a Mount gets.
func (x *Exchange) mountPath() (stage, rest string) {
	stage, rest, _ = strings.Cut(strings.TrimPrefix(x.RawPath, "/"), "/")
	return stage, rest
}

// address finds the API and stage: Host {apiId}.execute-api.localhost with path /{stage}/...,
// header x-apigw-api-id: {apiId} with path /{stage}/..., or path /{apiId}/{stage}/... on any
// host. HTTP APIs with a $default stage take paths that do not start with a named stage. The
// API may be mounted (a WebSocket API): the Mount is returned and serves the rest. The source
// IP, query string and the path as the events carry it are read here, once.
//
// The path stays as received, as the cloud passes it on (LocalStack's AWS-validated
// test_apigateway_lambda.snapshot.json, test_lambda_aws_proxy_integration): percent-encoding,
// doubled and trailing slashes are kept ("invocation-payload-with-path-encoded-email",
// "-with-double-slash", "-with-trailing-slash"); empty segments before the stage are dropped
// (//stage/proxy-value: requestContext.path /stage/proxy-value, "-with-prepended-slash-to-stage")
// and so are the ones after it in `path` (/stage//proxy-value: path /proxy-value, requestContext.path
// /stage//proxy-value, "-with-prepended-slash").
func (s *Server) address(x *Exchange) (Mount, error) {
	r := x.Request
	switch {
	case r.ProtoMajor != 1:
		return nil, http2Preface()
	case headSize(r) > maxHead:
		return nil, headTooLarge()
	}
	raw := oneLeadingSlash(r.URL.EscapedPath())
	id, byHost := apiIDFromHost(r.Host)
	if !byHost {
		id = r.Header.Get("X-Apigw-Api-Id") // a private API called at its VPC endpoint's DNS name
	}
	if id == "" {
		var rest string
		id, rest, _ = strings.Cut(raw[1:], "/")
		raw = oneLeadingSlash(rest)
	}
	x.RawPath = raw
	if m, ok := s.mounts[id]; ok {
		return m, nil
	}
	x.API = s.apis[id]
	if x.API == nil {
		return nil, &Error{Status: http.StatusNotFound, Message: "no local API at " + r.Host + r.URL.Path + "; see the URLs printed at start-up (portico routes)"}
	}
	x.SourceIP = proxyevent.SourceIP(r)
	var err error
	if x.Query, err = parseQuery(r.URL.RawQuery, x.API.Kind); err != nil {
		return nil, err
	}
	stage, rest, _ := strings.Cut(raw[1:], "/")
	if st, ok := x.API.Stages[stage]; ok && stage != "$default" {
		x.Stage, raw = st, rest
	} else if st, ok := x.API.Stages["$default"]; ok {
		x.Stage = st
	} else {
		return nil, noRoute(x.API.Kind)
	}
	x.Path = oneLeadingSlash(raw)
	if x.segs, err = splitPath(x.Path); err != nil {
		return nil, noRoute(x.API.Kind)
	}
	return nil, nil
}

// oneLeadingSlash is p starting with exactly one slash.
func oneLeadingSlash(p string) string { return "/" + strings.TrimLeft(p, "/") }

// noRoute is the answer of an API of kind to a request no route takes.
func noRoute(kind Kind) *Error {
	if kind == HTTP {
		return notFound()
	}
	return missingToken()
}

// apiIDFromHost reads the API id of a Host {apiId}.execute-api.localhost[:port], matched as a DNS
// name: in any case, with or without a trailing dot.
func apiIDFromHost(host string) (string, bool) {
	return strings.CutSuffix(hostName(host), ".execute-api.localhost")
}

func (s *Server) route(x *Exchange) error {
	rt, params := match(x.API.Kind, x.API.Routes, x.Request.Method, x.segs)
	if rt == nil && x.answersPreflight() {
		x.preflighted = true
		if x.tracing {
			x.trail = append(x.trail, "CORS preflight that no route takes: API Gateway answers it itself (204), no authorizer runs")
		}
		return nil
	}
	if rt == nil {
		return noRoute(x.API.Kind)
	}
	x.Route, x.PathParams = rt, params
	if rt.Refused != "" {
		return &Error{Status: http.StatusNotImplemented, Message: "not served by portico: " + rt.RouteKey + " (" + rt.Refused + ")"}
	}
	return nil
}

// invoke builds the event, calls the function and maps its response.
func (s *Server) invoke(x *Exchange) (*reply, error) {
	if x.Route.mock != nil {
		return x.Route.mock.answer(x)
	}
	fn, qualifier := x.Route.Function, ""
	if fn == "" {
		t := x.Route.stageTargets[x.Stage.Name]
		if t.err != nil {
			return nil, &integrationError{err: t.err}
		}
		fn, qualifier = t.function, t.qualifier
	}
	x.function = fn
	v2 := x.API.Kind == HTTP && x.Route.Integration.PayloadFormatVersion == "2.0"
	var event []byte
	var err error
	if v2 {
		event, err = x.eventV2()
	} else {
		event, err = x.eventV1()
	}
	if err != nil {
		return nil, err
	}
	timeout := x.Route.Integration.Timeout
	if timeout <= 0 {
		timeout = 29 * time.Second
		if x.API.Kind == HTTP {
			timeout = 30 * time.Second
		}
	}
	ctx, cancel := context.WithTimeout(x.Request.Context(), timeout)
	defer cancel()
	res, err := s.invoker.Invoke(ctx, invoke.Call{Function: fn, Qualifier: qualifier, Payload: event})
	x.ran = res
	if err != nil {
		return nil, err
	}
	if v2 {
		return mapV2(res.Payload)
	}
	return mapV1(x, res.Payload)
}

func writeError(w http.ResponseWriter, x *Exchange, e *Error) {
	h := w.Header()
	for k, v := range e.Headers {
		h[k] = v
	}
	h.Set("Content-Type", cmp.Or(e.contentType, "application/json"))
	if e.Type != "" && (x.API == nil || x.API.Kind == REST) {
		h.Set("X-Amzn-Errortype", e.Type)
	}
	setRequestID(h, x)
	x.answerHeaders(h, false)
	x.corsHeaders(h)
	body := e.body
	if body == nil {
		body, _ = json.Marshal(map[string]string{cmp.Or(e.key, "message"): e.Message})
		body = append(body, '\n')
	}
	writeBody(w, e.Status, body)
}

// writeBody writes an answer with its Content-Length, as API Gateway sends it (never chunked).
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// logRequest writes the request's log line: method, path and query as received, status,
// latency, then the function (cold or warm, and how long the call queued for a process) when a
// process took the call, "preflight" when the gateway answered a CORS preflight, else "-", then
// why a refused or failed request ended so.
// Client-controlled text is escaped (logtext.Safe) so that no request can write a line of its own.
func (s *Server) logRequest(x *Exchange, status int, err error) {
	fn := "-"
	if x.preflighted {
		fn = "preflight"
	}
	if x.ran != nil {
		fn = x.function + " warm"
		if x.ran.Cold {
			fn = x.function + " cold"
		}
		if x.ran.Queued > 0 {
			fn += " queued " + logDuration(x.ran.Queued)
		}
	}
	line := fmt.Sprintf("%s %s %d %s %s", logtext.Safe(x.Request.Method), logtext.Safe(x.Request.URL.RequestURI()), status, logDuration(time.Since(x.Start)), fn)
	if x.Route != nil && x.Route.mock != nil && x.Request.Method == http.MethodOptions {
		line += " preflight"
	}
	var denial *check.Denial
	switch {
	case status == StatusAbandoned:
		line += " (abandoned: the client closed the connection)"
	case errors.As(err, &denial): // who decided and why, for every refusal
		line += " (" + logtext.Safe(denial.String()) + ")"
	case err != nil && status >= 500:
		line += " (" + logtext.Safe(err.Error()) + ")"
	}
	s.logMu.Lock()
	fmt.Fprintln(s.log, line)
	s.logMu.Unlock()
}

// logDuration is d as the log prints it.
func logDuration(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
