package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/invoke"
	"github.com/portico-dev/portico/local/runtime"
)

// ExplainRequest is a request to replay against the access control of an assembly.
type ExplainRequest struct {
	Method   string
	Target   string // /{apiId}/{stage}/path?query, as a client of `portico serve` would send it
	Header   http.Header
	SourceIP string // Default: 127.0.0.1
	// Endpoint names the VPC endpoint the request arrives through (logical ID or vpce id);
	// "" is the public listener.
	Endpoint string
	// RunAuthorizers builds and runs the Lambda authorizer functions (never the handlers).
	// Default: a route behind a Lambda authorizer stops there, undecided.
	RunAuthorizers bool
	// CallerARN is the IAM identity to assume for aws:PrincipalArn (serve has none: SigV4 is not
	// emulated, so its callers are anonymous). Default: anonymous.
	CallerARN string
}

// Explanation is the decision for a replayed request.
type Explanation struct {
	Route *Route
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
	var d *access.Denial
	var ge *Error
	switch {
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
	asm, err := cfg.load()
	if err != nil {
		return nil, err
	}
	pools, err := cognito.Load(asm, keyDir(cfg.CacheDir))
	if err != nil {
		return nil, err
	}
	if err := pools.Serve("127.0.0.1"); err != nil {
		return nil, err
	}
	defer pools.Close()
	var inv invoke.Invoker = refuseInvoke
	if req.RunAuthorizers {
		pointAuthorizers(asm, pools, cfg.Out)
		mgr, err := authorizerRuntime(cfg, asm)
		if err != nil {
			return nil, err
		}
		defer mgr.Close()
		inv = mgr
	}
	la := NewLocalAccess(asm, inv, pools, cfg.Now)
	defer la.Close()
	srv := New(asm, nil, Options{Access: la})
	r := httptest.NewRequest(req.Method, req.Target, nil)
	for k, v := range req.Header {
		r.Header[http.CanonicalHeaderKey(k)] = v
	}
	ip := req.SourceIP
	if ip == "" {
		ip = "127.0.0.1"
	}
	if net.ParseIP(ip) == nil {
		return nil, fmt.Errorf("source IP %q is not an IP address", ip)
	}
	r.RemoteAddr = net.JoinHostPort(ip, "50000")
	if req.Endpoint != "" {
		var ep *Endpoint
		var names []string
		for _, e := range Endpoints(asm) {
			names = append(names, e.LogicalID)
			if e.LogicalID == req.Endpoint || e.ID == req.Endpoint {
				ep = e
			}
		}
		if ep == nil {
			return nil, fmt.Errorf("no VPC endpoint %q; the assembly has %q", req.Endpoint, names)
		}
		r = r.WithContext(context.WithValue(r.Context(), endpointKey{}, ep))
	}
	if req.CallerARN != "" {
		r = r.WithContext(context.WithValue(r.Context(), callerKey{}, req.CallerARN))
	}
	x := &Exchange{Request: r, RequestID: "explain", tracing: true}
	ex := &Explanation{}
	ex.Err = srv.authorize(x)
	ex.Route, ex.Steps = x.Route, x.trail
	return ex, nil
}

// authorizerRuntime builds and serves only the functions Lambda authorizers invoke.
func authorizerRuntime(cfg Config, asm *assembly.Assembly) (*runtime.Manager, error) {
	builder := &runtime.Builder{ModuleDir: cfg.ModuleDir, CacheDir: cfg.CacheDir}
	binaries := map[string]string{}
	var fns []*assembly.Function
	for _, st := range asm.Stacks {
		for _, r := range st.Resources {
			if r.Type != "AWS::ApiGateway::Authorizer" && r.Type != "AWS::ApiGatewayV2::Authorizer" || r.String("AuthorizerUri") == "" {
				continue
			}
			fn, _, err := asm.ResolveFunction(r.String("AuthorizerUri"), nil)
			if err != nil || binaries[fn.ID] != "" {
				continue // refused by LocalAccess with the reason
			}
			bin, err := builder.Binary(fn)
			if err != nil {
				return nil, fmt.Errorf("authorizer function %s: %w", fn.ID, err)
			}
			binaries[fn.ID] = bin
			fns = append(fns, fn)
		}
	}
	return runtime.New(runtime.Config{Functions: fns, Binaries: binaries, Concurrency: 1, Logs: cfg.Out})
}
