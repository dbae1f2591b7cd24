package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/credentials"
	"github.com/portico-dev/portico/local/gateway"
	"github.com/portico-dev/portico/local/internal/proxyevent"
	"github.com/portico-dev/portico/local/invoke"
	"github.com/portico-dev/portico/local/runtime"
	"github.com/portico-dev/portico/local/websocket"
)

// ExplainRequest is a request to replay against the access control of an assembly.
type ExplainRequest struct {
	Method string
	Target string // /{apiId}/{stage}/path?query, as a client of `portico serve` would send it
	// Header and Body are the request's; a SigV4-signed request (Authorization or presigned
	// query, with the Host header it was signed for) is verified as serve verifies it.
	Header   http.Header
	Body     []byte
	SourceIP string // Default: 127.0.0.1
	// Endpoint names the VPC endpoint the request arrives through (logical ID or vpce id);
	// "" is the public listener.
	Endpoint string
	// RunAuthorizers builds and runs the Lambda authorizer functions (never the handlers).
	// Default: a route behind a Lambda authorizer stops there, undecided.
	RunAuthorizers bool
	// CallerARN is the IAM principal (arn:aws:iam::...) or role session (arn:aws:sts::...:
	// assumed-role/...) to take as the caller: AWS_IAM routes run their authorization for it
	// without a signature, and resource policies match it on every route. Default: the signer
	// of a signed request, else anonymous.
	CallerARN string
}

// Explanation is the decision for a replayed request.
type Explanation struct {
	Route *gateway.Route
	// Steps are the decisions taken, in order.
	Steps []string
	// Err is the refusal (nil: the request would reach its integration).
	Err error
}

// String is the report `portico explain` prints.
func (e *Explanation) String() string {
	var b strings.Builder
	if e.Route != nil {
		fmt.Fprintf(&b, "route: %s API %s, %s\n", e.Route.API.Kind, e.Route.API.Name, e.Route.RouteKey)
	}
	for _, s := range e.Steps {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	var d *check.Denial
	var ge *gateway.Error
	switch {
	case errors.Is(e.Err, gateway.ErrAnsweredByGateway):
		fmt.Fprintf(&b, "decision: 204, %v\n", e.Err)
	case errors.As(e.Err, &d) && strings.Contains(d.Reason, errNoInvoke.Error()):
		fmt.Fprintf(&b, "decision: undecided: it rests with %s, a Lambda authorizer (run it with --run-authorizers)\n", d.By)
	case errors.As(e.Err, &d):
		fmt.Fprintf(&b, "decision: %d %s\n  decided by %s: %s\n", d.Status, d.Body(), d.By, d.Reason)
	case errors.As(e.Err, &ge):
		fmt.Fprintf(&b, "decision: %d {\"message\":%q}\n", ge.Status, ge.Message)
	case e.Err != nil:
		fmt.Fprintf(&b, "decision: error: %v\n", e.Err)
	default:
		b.WriteString("decision: allowed; the integration would be invoked (explain does not run it)\n")
	}
	return b.String()
}

// errNoInvoke is what a Lambda authorizer gets under explain: no function runs.
var errNoInvoke = errors.New("explain runs no function without --run-authorizers")

var refuseInvoke = invoke.Func(func(context.Context, invoke.Call) (*invoke.Result, error) { return nil, errNoInvoke })

// Explain replays req against the access control of the assembly cfg names, without invoking
// any handler. A route behind a Lambda authorizer stops at that authorizer, undecided, unless
// req.RunAuthorizers. Tokens are verified against the local issuers (their keys in cfg.CacheDir).
func Explain(cfg Config, req ExplainRequest) (*Explanation, error) {
	asm, pools, err := cfg.load()
	if err != nil {
		return nil, err
	}
	if err := pools.Serve(); err != nil {
		return nil, err
	}
	defer pools.Close()
	store, err := credentials.Open(cfg.CacheDir)
	if err != nil {
		return nil, err
	}
	var inv invoke.Invoker = refuseInvoke
	if req.RunAuthorizers {
		env, err := localEnvironment(asm, pools, store, "", cfg)
		if err != nil {
			return nil, err
		}
		mgr, err := authorizerRuntime(cfg, asm, env)
		if err != nil {
			return nil, err
		}
		defer mgr.Close()
		inv = mgr
	}
	caller, err := callerFromARN(req.CallerARN)
	if err != nil {
		return nil, err
	}
	outside, err := cfg.outsidePolicies()
	if err != nil {
		return nil, err
	}
	gate := access.New(access.Config{Assembly: asm, Pools: pools, Invoker: inv, Now: cfg.Now, Verify: signatures(store), Outside: outside})
	defer gate.Close()
	mounts := map[string]gateway.Mount{}
	for _, api := range settleWebSockets(asm, gate, false, nil) {
		if api.Refused == "" {
			mounts[api.ID] = &stageServers{api: api, caller: caller}
		}
	}
	srv := gateway.New(asm, nil, gateway.Options{Access: gate, Mounts: mounts})
	r := httptest.NewRequest(req.Method, req.Target, bytes.NewReader(req.Body))
	for k, v := range req.Header {
		r.Header[http.CanonicalHeaderKey(k)] = v
	}
	if host := r.Header.Get("Host"); host != "" {
		r.Host = host // as net/http reads it off the wire
		r.Header.Del("Host")
	}
	ip := req.SourceIP
	if ip == "" {
		ip = "127.0.0.1"
	}
	if net.ParseIP(ip) == nil {
		return nil, fmt.Errorf("source IP %q is not an IP address", ip)
	}
	r.RemoteAddr = net.JoinHostPort(ip, "50000")
	var ep *assembly.VPCEndpoint
	if req.Endpoint != "" {
		var names []string
		for _, e := range asm.VPCEndpoints {
			names = append(names, e.LogicalID)
			if e.LogicalID == req.Endpoint || e.ID == req.Endpoint {
				ep = e
			}
		}
		if ep == nil {
			return nil, fmt.Errorf("no VPC endpoint %q; the assembly has %q", req.Endpoint, names)
		}
	}
	ex := &Explanation{}
	ex.Route, ex.Steps, ex.Err = srv.Decide(r, ep, caller)
	return ex, nil
}

var (
	principalARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):(role/.+|user/.+|root)$`)
	sessionARN   = regexp.MustCompile(`^arn:aws:sts::(\d{12}):assumed-role/([^/]+)/.+$`)
)

// callerFromARN is the caller explain assumes for arn ("": anonymous, nil): a principal, or a
// role session, whose policies are those of its role.
func callerFromARN(arn string) (*check.Caller, error) {
	if arn == "" {
		return nil, nil
	}
	if m := principalARN.FindStringSubmatch(arn); m != nil {
		return &check.Caller{AccountID: m[1], ARN: arn, PrincipalARN: arn}, nil
	}
	if m := sessionARN.FindStringSubmatch(arn); m != nil {
		return &check.Caller{AccountID: m[1], ARN: arn, PrincipalARN: "arn:aws:iam::" + m[1] + ":role/" + m[2]}, nil
	}
	return nil, fmt.Errorf("caller %q: must be an IAM principal ARN (arn:aws:iam::123456789012:role/Name, :user/Name or :root) or a role session (arn:aws:sts::123456789012:assumed-role/Name/session)", arn)
}

// DecideStage replays what an upgrade to stage decides before the $connect function would run:
// the $connect authorizer, then the API key, usage plan and throttles, as the stage server does.
func (s *stageServers) DecideStage(r *http.Request, stage, rest string, trace func(string)) error {
	i := slices.IndexFunc(s.api.Stages, func(st *assembly.Stage) bool { return st.Name == stage })
	switch {
	case i < 0:
		return &gateway.Error{Status: http.StatusNotFound, Message: s.noStage(stage)}
	case rest != "":
		return &gateway.Error{Status: http.StatusNotImplemented, Message: "explain replays WebSocket connections only: the upgrade at /" + stage + ", not /" + stage + "/" + rest}
	}
	st := s.api.Stages[i]
	trace(fmt.Sprintf("WebSocket API %s, stage %s: route %s (explain does not run its function)", s.api.Name, st.Name, websocket.RouteConnect))
	req := &check.Request{APIID: s.api.ID, Stage: st.Name, RequestID: "explain", RouteKey: websocket.RouteConnect, StageVars: st.Variables,
		Headers: r.Header, Query: r.URL.Query(), Trace: trace, Caller: s.caller, HTTP: r}
	ip, _ := netip.ParseAddr(proxyevent.SourceIP(r)) // invalid stays the zero Addr: no source IP
	req.SourceIP = ip.Unmap()
	if s.api.connect.HasAuthorizer() {
		if _, _, err := s.api.connect.AuthorizeConnect(r.Context(), req); err != nil {
			return err
		}
	}
	return s.api.connect.Admit(r.Context(), req)
}

// authorizerRuntime builds and serves only the functions Lambda authorizers invoke.
func authorizerRuntime(cfg Config, asm *assembly.Assembly, env map[string]map[string]string) (*runtime.Manager, error) {
	builder := &runtime.Builder{ModuleDir: cfg.ModuleDir, CacheDir: cfg.CacheDir}
	binaries := map[string]string{}
	var fns []*assembly.Function
	for _, z := range asm.Authorizers {
		if z.FunctionURI == "" {
			continue
		}
		fn, _, err := asm.ResolveFunction(z.FunctionURI, nil)
		if err != nil || binaries[fn.ID] != "" {
			continue // refused by the gate with the reason
		}
		bin, err := builder.Binary(fn)
		if err != nil {
			return nil, fmt.Errorf("authorizer function %s: %w", fn.ID, err)
		}
		binaries[fn.ID] = bin
		fns = append(fns, fn)
	}
	return runtime.New(runtime.Config{Functions: fns, Binaries: binaries, Concurrency: 1, Logs: cfg.Out, Environment: env})
}
