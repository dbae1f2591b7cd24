package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/assembly"
)

// Kind is the API flavour, which decides payloads and error bodies.
type Kind int

// API kinds.
const (
	REST Kind = iota // payload 1.0, API Gateway REST error bodies
	HTTP             // payload 2.0 (or 1.0 per integration), HTTP API error bodies
)

func (k Kind) String() string {
	if k == REST {
		return "REST"
	}
	return "HTTP"
}

// API is one REST or HTTP API as the gateway serves it.
type API struct {
	Kind             Kind
	ID, Name, Stack  string
	Region, Account  string
	Stages           map[string]*assembly.Stage
	BinaryMediaTypes []string
	Routes           []*Route
	// Edge reports a REST API behind CloudFront (endpoint type EDGE), whose requests and
	// answers carry CloudFront's headers.
	Edge bool
	// Cors is an HTTP API's CORS configuration (cors.go); nil when it has none.
	Cors *assembly.Cors
	// responses are a REST API's gateway responses by type (gatewayresponse.go).
	responses gatewayResponses
}

// Route is a method (REST) or route (HTTP API) with what the gateway needs to serve it.
type Route struct {
	API        *API
	Method     string // upper case, ANY, or "" for $default
	Path       string // "/items/{id}"; "" for $default
	RouteKey   string // "GET /items/{id}" or "$default"
	ResourceID string // REST requestContext.resourceId
	// AuthorizationType, AuthorizerID (Authorizer, nil when the template has none of that ID),
	// Scopes and APIKeyRequired say what access control the route needs.
	AuthorizationType string
	AuthorizerID      string
	Authorizer        *assembly.Authorizer
	Scopes            []string
	APIKeyRequired    bool
	PolicyProtected   bool // the REST API has a resource policy
	Integration       assembly.Integration
	// Function is the ID the integration names without stage variables ("" when it depends
	// on them or names no loaded function).
	Function string
	// Refused says why the route is not served ("" when it is).
	Refused string
	guard   access.Guard
	segs    []segment
	mock    *mockAnswer // a REST MOCK integration's answer (mock.go)
	// stageTargets are the functions an integration naming stage variables resolves to, by
	// stage name.
	stageTargets map[string]stageTarget
}

// stageTarget is what an integration URI names in one stage (err: it names nothing).
type stageTarget struct {
	function, qualifier string
	err                 error
}

type segKind int

// Precedence order: a literal beats a {param}, which beats a greedy {proxy+}.
const (
	literal segKind = iota
	param
	greedy
)

type segment struct {
	kind segKind
	text string // literal text or parameter name
}

func parsePath(p string) []segment {
	var segs []segment
	for _, s := range strings.Split(strings.Trim(p, "/"), "/") {
		switch {
		case s == "":
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
			segs = append(segs, segment{greedy, s[1 : len(s)-2]})
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
			segs = append(segs, segment{param, s[1 : len(s)-1]})
		default:
			segs = append(segs, segment{literal, s})
		}
	}
	return segs
}

// buildAPIs turns the assembly into served APIs. Access requirements are settled by New.
func buildAPIs(asm *assembly.Assembly) []*API {
	var apis []*API
	for _, r := range asm.RestAPIs {
		api := &API{Kind: REST, ID: r.ID, Name: r.Name, Stack: r.Stack, Region: r.Region, Account: r.Account, Stages: stages(r.Stages), BinaryMediaTypes: r.BinaryMediaTypes, Edge: r.Edge()}
		responses, badResponse := settleGatewayResponses(r.GatewayResponses)
		api.responses = responses
		for _, m := range r.Methods {
			rt := &Route{API: api, Method: m.HTTPMethod, Path: m.Path, RouteKey: m.HTTPMethod + " " + m.Path,
				ResourceID: m.ResourceID, AuthorizationType: m.AuthorizationType, AuthorizerID: m.AuthorizerID, Authorizer: m.Authorizer,
				Scopes: m.AuthorizationScopes, APIKeyRequired: m.APIKeyRequired, PolicyProtected: r.Policy != nil, Integration: m.Integration, segs: parsePath(m.Path)}
			settleIntegration(asm, rt)
			if badResponse != nil && rt.Refused == "" {
				rt.Refused = badResponse.Error()
			}
			api.Routes = append(api.Routes, rt)
		}
		apis = append(apis, api)
	}
	for _, h := range asm.HTTPAPIs {
		api := &API{Kind: HTTP, ID: h.ID, Name: h.Name, Stack: h.Stack, Region: h.Region, Account: h.Account, Stages: stages(h.Stages), Cors: h.Cors}
		for _, hr := range h.Routes {
			rt := &Route{API: api, RouteKey: hr.RouteKey, AuthorizationType: hr.AuthorizationType, AuthorizerID: hr.AuthorizerID, Authorizer: hr.Authorizer,
				Scopes: hr.AuthorizationScopes, APIKeyRequired: hr.APIKeyRequired}
			if method, path, ok := strings.Cut(hr.RouteKey, " "); ok {
				rt.Method, rt.Path, rt.segs = strings.ToUpper(method), path, parsePath(path)
			}
			if hr.Integration == nil {
				rt.Refused = "route has no integration target"
			} else {
				rt.Integration = *hr.Integration
				settleIntegration(asm, rt)
			}
			api.Routes = append(api.Routes, rt)
		}
		apis = append(apis, api)
	}
	for _, api := range apis {
		sort.SliceStable(api.Routes, func(i, j int) bool {
			return api.Routes[i].Path+api.Routes[i].Method < api.Routes[j].Path+api.Routes[j].Method
		})
	}
	return apis
}

func stages(list []*assembly.Stage) map[string]*assembly.Stage {
	m := make(map[string]*assembly.Stage, len(list))
	for _, s := range list {
		m[s.Name] = s
	}
	return m
}

// settleIntegration refuses integrations the gateway does not emulate and records the
// function a stage-independent Lambda URI names.
func settleIntegration(asm *assembly.Assembly, rt *Route) {
	in := rt.Integration
	switch {
	case in.Type == "MOCK" && rt.API.Kind == REST:
		m, err := settleMock(in)
		if err != nil {
			rt.Refused = "MOCK integration: " + err.Error()
		}
		rt.mock = m
		return
	case in.Type != "AWS_PROXY":
		rt.Refused = fmt.Sprintf("%s integration: only Lambda proxy integrations are emulated", in.Type)
		return
	case rt.Path != "" && rt.API.Kind == HTTP && in.PayloadFormatVersion != "1.0" && in.PayloadFormatVersion != "2.0":
		rt.Refused = fmt.Sprintf("payload format %q: only 1.0 and 2.0 exist", in.PayloadFormatVersion)
		return
	}
	if strings.Contains(in.URI, "${stageVariables.") {
		// Resolved once per stage; a bad stage value answers 500 as in the cloud.
		rt.stageTargets = make(map[string]stageTarget, len(rt.API.Stages))
		for name, st := range rt.API.Stages {
			fn, qualifier, err := asm.ResolveFunction(in.URI, st.Variables)
			t := stageTarget{qualifier: qualifier, err: err}
			if fn != nil {
				t.function = fn.ID
			}
			rt.stageTargets[name] = t
		}
		return
	}
	fn, _, err := asm.ResolveFunction(in.URI, nil)
	if err != nil {
		rt.Refused = err.Error()
		return
	}
	rt.Function = fn.ID
}

// target is the route as access control settles its protection. Throttles are keyed by the
// method or route as the template names it (ANY, $default).
func (rt *Route) target() access.Target {
	method := rt.Method
	if rt.RouteKey == "$default" {
		method = "$default"
	}
	return access.Target{APIID: rt.API.ID, REST: rt.API.Kind == REST, Method: method, ResourcePath: rt.Path, RouteKey: rt.RouteKey,
		AuthorizationType: rt.AuthorizationType, AuthorizerID: rt.AuthorizerID, Authorizer: rt.Authorizer, Scopes: rt.Scopes, APIKeyRequired: rt.APIKeyRequired}
}

// Mock describes the answer of a MOCK method for the route table, e.g. "MOCK 204 (preflight)";
// "" for other integrations.
func (rt *Route) Mock() string {
	if rt.mock == nil {
		return ""
	}
	return rt.mock.summary(rt.Method)
}

// AuthorizationLabel names an authorization type in the route table: "IAM (SigV4)" for AWS_IAM,
// else "{type} authorizer".
func AuthorizationLabel(authorizationType string) string {
	if authorizationType == "AWS_IAM" {
		return "IAM (SigV4)"
	}
	return authorizationType + " authorizer"
}

// Requirements describes a route's access requirements for the route table.
func (rt *Route) Requirements() string {
	var parts []string
	if rt.AuthorizationType != "" && rt.AuthorizationType != "NONE" {
		parts = append(parts, AuthorizationLabel(rt.AuthorizationType))
	}
	if rt.APIKeyRequired {
		parts = append(parts, "API key required")
	}
	if rt.PolicyProtected {
		parts = append(parts, "resource policy")
	}
	return strings.Join(parts, ", ")
}

// match finds the route for method and request path segments as API Gateway chooses. Only
// routes of the method (or ANY) are candidates, on REST APIs as on HTTP APIs: a REST resource
// without the method is passed over for a less specific one that has it (LocalStack's
// AWS-validated test_apigateway_common.py::TestProxyRouting::test_proxy_routing_with_hardcoded_resource_sibling:
// OPTIONS /test, a resource with POST only, reaches OPTIONS /{proxy+}). The most specific path
// wins segment by segment (literal, then {param}, then {proxy+}), and at the same path a
// method-specific route beats ANY; HTTP APIs fall back to $default.
func match(kind Kind, routes []*Route, method string, segs []reqSeg) (*Route, map[string]string) {
	var best *Route
	var bestParams map[string]string
	var fallback *Route
	for _, rt := range routes {
		if rt.RouteKey == "$default" {
			fallback = rt
			continue
		}
		if rt.Method != method && rt.Method != "ANY" {
			continue
		}
		params, ok := matchSegs(kind, rt.segs, segs)
		if !ok {
			continue
		}
		if best == nil || moreSpecific(rt, best, method) {
			best, bestParams = rt, params
		}
	}
	if best == nil && fallback != nil {
		return fallback, nil
	}
	return best, bestParams
}

// matchSegs matches a route's path with the request's segments, comparing decoded text. The
// values of path variables are what the cloud's events carry: on REST APIs the segments as
// received, percent-encoding kept (LocalStack's AWS-validated
// test_apigateway_lambda.snapshot.json, test_lambda_aws_proxy_integration,
// "invocation-payload-with-path-encoded-email": proxy "proxy-value/api/user/test%2Balias@gmail.com/...");
// on HTTP APIs decoded ("API Gateway decodes URL-encoded request parameters before passing them
// to your backend integration", http-api-develop-routes.html).
func matchSegs(kind Kind, pattern []segment, segs []reqSeg) (map[string]string, bool) {
	var params map[string]string
	for i, p := range pattern {
		if i >= len(segs) {
			return nil, false
		}
		switch p.kind {
		case literal:
			if p.text != segs[i].text {
				return nil, false
			}
		case param, greedy:
			if params == nil {
				params = map[string]string{}
			}
			if p.kind == greedy {
				params[p.text] = segs[i].value(kind, true)
				return params, true
			}
			params[p.text] = segs[i].value(kind, false)
		}
	}
	return params, len(pattern) == len(segs)
}

// reqSeg is one segment of a request path.
type reqSeg struct {
	text string // decoded, compared with the route's literal segments
	raw  string // as received
	rest string // as received from this segment to the end of the path, without trailing slashes
}

// value is what a path variable takes from the segment on an API of kind: the segment, or the
// rest of the path for a greedy variable.
func (s reqSeg) value(kind Kind, greedy bool) string {
	v := s.raw
	if greedy {
		v = s.rest
	}
	if kind == REST {
		return v
	}
	decoded, _ := url.PathUnescape(v) // splitPath has checked every escape
	return decoded
}

// errDotSegment refuses a path with a "." or ".." segment (plain or percent-encoded).
var errDotSegment = errors.New(`path has a "." or ".." segment`)

// splitPath splits the escaped path p into its segments for matching. Empty segments (doubled,
// leading and trailing slashes) are skipped, so every spelling of a path matches the route its
// plain spelling matches; the raw rest a greedy variable takes keeps them, as the cloud does
// ("invocation-payload-with-double-slash": proxy "proxy-value//double-slash";
// "invocation-payload-with-trailing-slash": /proxy-value/ gives proxy "proxy-value"). An encoded
// slash (%2F) separates segments as "/" does, so it reaches no route the plain path would not,
// and a dot segment is refused rather than resolved: the cloud's handling of either is not
// captured anywhere we found.
func splitPath(p string) ([]reqSeg, error) {
	var segs []reqSeg
	start := 0
	for i := 0; i <= len(p); {
		n := separatorAt(p, i)
		if n == 0 {
			i++
			continue
		}
		if raw := p[start:i]; raw != "" {
			text, err := url.PathUnescape(raw)
			if err != nil {
				return nil, err
			}
			if text == "." || text == ".." {
				return nil, errDotSegment
			}
			segs = append(segs, reqSeg{text: text, raw: raw, rest: strings.TrimRight(p[start:], "/")})
		}
		i += n
		start = i
	}
	return segs, nil
}

// separatorAt is the length of the segment separator at p[i:] ("/" or "%2F"; 1 past the end),
// or 0.
func separatorAt(p string, i int) int {
	switch {
	case i == len(p), p[i] == '/':
		return 1
	case len(p)-i >= 3 && strings.EqualFold(p[i:i+3], "%2F"):
		return 3
	}
	return 0
}

// canonicalPath is the decoded path of the segments, one slash between them: the spelling
// access control evaluates, so that no other spelling escapes a policy naming the plain path.
func canonicalPath(segs []reqSeg) string {
	texts := make([]string, len(segs))
	for i, s := range segs {
		texts[i] = s.text
	}
	return "/" + strings.Join(texts, "/")
}

func moreSpecific(a, b *Route, method string) bool {
	for i := 0; i < len(a.segs) && i < len(b.segs); i++ {
		if a.segs[i].kind != b.segs[i].kind {
			return a.segs[i].kind < b.segs[i].kind
		}
	}
	if len(a.segs) != len(b.segs) {
		return len(a.segs) > len(b.segs)
	}
	return rank(a.Method, method) < rank(b.Method, method)
}

// rank orders the routes of one path: the request's method, then ANY, then any other.
func rank(routeMethod, method string) int {
	switch routeMethod {
	case method:
		return 0
	case "ANY":
		return 1
	}
	return 2
}
