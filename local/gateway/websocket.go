package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/authorizer"
	"github.com/portico-dev/portico/local/access/usage"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/invoke"
	"github.com/portico-dev/portico/local/websocket"
)

// WebSocketOptions are the flags of the WebSocket stages; zero values keep the cloud's limits.
type WebSocketOptions struct {
	// IdleTimeout closes a connection without data messages. Default: 10 minutes.
	IdleTimeout time.Duration
	// MaxDuration closes every connection this long after it opened. Default: 2 hours.
	MaxDuration time.Duration
}

// WebSocketAPI is a WebSocket API of the assembly as the gateway serves it.
type WebSocketAPI struct {
	ID, Name, Stack string
	Region, Account string
	// RouteSelectionExpression as in the template (default $request.body.action).
	RouteSelectionExpression string
	Stages                   []*assembly.Stage // by name
	Routes                   []*WebSocketRoute // by route key
	// Authorizer is the $connect Lambda authorizer, nil when $connect has none.
	Authorizer *authorizer.LambdaConfig
	// KeyRequired: $connect requires an API key (x-api-key header) in a usage plan of the stage.
	KeyRequired bool
	// keySelection is the API's ApiKeySelectionExpression.
	keySelection string
	// Refused says why the API is not served ("" when it is). Every connection passes
	// $connect and any message may select any route, so one route that cannot be served
	// faithfully refuses the whole API rather than letting its messages fall to $default.
	Refused string
}

// WebSocketRoute is one route key with its Lambda proxy integration.
type WebSocketRoute struct {
	Key string
	// URI is the integration URI; it may hold ${stageVariables.name}.
	URI string
	// Function is the ID of the function URI names ("" when it depends on stage variables).
	Function string
	// RouteResponse: the handler's response body is sent back to the client (two-way route).
	RouteResponse bool
	// Auth describes the route's access requirements for the route table ("" for none).
	Auth string
}

// WebSocketAPIs lists the WebSocket APIs of the assembly, served or refused.
func (s *Server) WebSocketAPIs() []*WebSocketAPI { return s.webSocketAPIs }

// buildWebSocketAPIs models the WebSocket APIs of asm; routes to unrunnable functions refuse
// their API.
func buildWebSocketAPIs(asm *assembly.Assembly, unrunnable map[string]string) []*WebSocketAPI {
	var out []*WebSocketAPI
	for _, a := range asm.WebSocketAPIs {
		api := &WebSocketAPI{ID: a.ID, Name: a.Name, Stack: a.Stack, RouteSelectionExpression: a.Resource.String("RouteSelectionExpression"),
			keySelection: a.Resource.String("ApiKeySelectionExpression")}
		st := asm.Stack(a.Stack)
		api.Region, api.Account = st.Region, st.Account
		api.Stages = slices.SortedFunc(slices.Values(a.Stages), func(x, y *assembly.Stage) int { return strings.Compare(x.Name, y.Name) })
		twoWay := map[string]bool{} // route logical IDs with a route response
		for _, r := range st.Resources {
			if r.Type == "AWS::ApiGatewayV2::RouteResponse" && r.RestAPIID() == a.ID {
				twoWay[r.String("RouteId")] = true
			}
		}
		var problems []string
		for _, hr := range a.Routes {
			rt := &WebSocketRoute{Key: hr.RouteKey, RouteResponse: twoWay[hr.LogicalID]}
			if err := api.settleRoute(asm, st, hr, rt, unrunnable); err != nil {
				problems = append(problems, fmt.Sprintf("route %s: %v", hr.RouteKey, err))
			}
			api.Routes = append(api.Routes, rt)
		}
		slices.SortFunc(api.Routes, func(x, y *WebSocketRoute) int { return strings.Compare(x.Key, y.Key) })
		switch {
		case len(problems) > 0:
			api.Refused = strings.Join(problems, "; ")
		case len(api.Stages) == 0:
			api.Refused = "no stage: nothing to serve"
		}
		out = append(out, api)
	}
	return out
}

// settleRoute fills rt from the template's route and says why it cannot be served, if so.
func (api *WebSocketAPI) settleRoute(asm *assembly.Assembly, st *assembly.Stack, hr *assembly.HTTPRoute, rt *WebSocketRoute, unrunnable map[string]string) error {
	in := hr.Integration
	switch {
	case in == nil:
		return errors.New("route has no integration target")
	case in.Type != "AWS_PROXY":
		return fmt.Errorf("%s integration: only Lambda proxy integrations are emulated", in.Type)
	}
	rt.URI = in.URI
	// An integration naming ${stageVariables.x} may pick another function per stage.
	for _, st := range api.Stages {
		fn, _, err := asm.ResolveFunction(in.URI, st.Variables)
		if err != nil {
			return fmt.Errorf("stage %s: %w", st.Name, err)
		}
		if reason, ok := unrunnable[fn.ID]; ok {
			return errors.New(reason)
		}
		if !strings.Contains(in.URI, "${stageVariables.") {
			rt.Function = fn.ID
		}
	}
	if key, _ := hr.Resource.Properties["ApiKeyRequired"].(bool); key {
		rt.Auth = "API key required"
		switch {
		case hr.RouteKey != websocket.RouteConnect:
			return errors.New("API key required: WebSocket APIs check API keys on $connect only")
		case api.keySelection != "" && api.keySelection != keyFromHeader:
			return fmt.Errorf("API key selection expression %q is not emulated (only %s)", api.keySelection, keyFromHeader)
		}
		api.KeyRequired = true
	}
	err := api.settleAuthorizer(asm, st, hr, rt, unrunnable)
	if api.KeyRequired && hr.RouteKey == websocket.RouteConnect && rt.Auth != "API key required" {
		rt.Auth += ", API key required"
	}
	return err
}

// settleAuthorizer fills rt.Auth and api.Authorizer from the route's authorization type.
func (api *WebSocketAPI) settleAuthorizer(asm *assembly.Assembly, st *assembly.Stack, hr *assembly.HTTPRoute, rt *WebSocketRoute, unrunnable map[string]string) error {
	switch {
	case hr.AuthorizationType == "NONE":
		return nil
	case hr.RouteKey != websocket.RouteConnect:
		rt.Auth = hr.AuthorizationType + " authorizer"
		return fmt.Errorf("authorization type %s: WebSocket APIs authorize on $connect only", hr.AuthorizationType)
	case hr.AuthorizationType == "CUSTOM":
		cfg, err := authorizerConfig(asm, st, hr.AuthorizerID, unrunnable)
		if err != nil {
			return err
		}
		rt.Auth = "Lambda authorizer " + cfg.Name
		api.Authorizer = cfg
		return nil
	default:
		rt.Auth = hr.AuthorizationType + " authorizer"
		return fmt.Errorf("%s authorization is not emulated (only NONE and a Lambda authorizer are)", hr.AuthorizationType)
	}
}

// keyFromHeader is the API key selection expression of keys sent in the x-api-key header.
const keyFromHeader = "$request.header.x-api-key"

// authorizerConfig reads the AWS::ApiGatewayV2::Authorizer a $connect route names.
func authorizerConfig(asm *assembly.Assembly, st *assembly.Stack, id string, unrunnable map[string]string) (*authorizer.LambdaConfig, error) {
	r := st.Resources[id]
	if r == nil || r.Type != "AWS::ApiGatewayV2::Authorizer" {
		return nil, fmt.Errorf("authorizer %q is not an AWS::ApiGatewayV2::Authorizer of stack %s", id, st.Name)
	}
	if typ := r.String("AuthorizerType"); typ != "REQUEST" {
		return nil, fmt.Errorf("authorizer %s has type %q; WebSocket APIs take REQUEST Lambda authorizers only", r.String("Name"), typ)
	}
	fn, _, err := asm.ResolveFunction(r.String("AuthorizerUri"), nil)
	if err != nil {
		return nil, fmt.Errorf("authorizer %s: %w", r.String("Name"), err)
	}
	if reason, ok := unrunnable[fn.ID]; ok {
		return nil, fmt.Errorf("authorizer %s: %s", r.String("Name"), reason)
	}
	cfg := &authorizer.LambdaConfig{Name: r.String("Name"), Function: fn.ID, Protocol: authorizer.WebSocket, Type: authorizer.TypeRequest, IdentitySources: stringList(r.Properties["IdentitySource"])}
	// Validate now, so that a bad identity source refuses the API at start-up by name.
	if _, err := authorizer.NewLambda(*cfg, nil, nil); err != nil {
		return nil, err
	}
	return cfg, nil
}

// WebSocketURL is the local URL clients connect to; the @connections callback URL is the same
// with http:// (handlers get it as PORTICO_CALLBACK_URL).
func WebSocketURL(base string, api *WebSocketAPI, stage string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/" + api.ID + "/" + stage
}

// CallbackURL is the stage's local @connections endpoint base, as handlers use it.
func CallbackURL(base string, api *WebSocketAPI, stage string) string {
	return base + "/" + api.ID + "/" + stage
}

// printWebSocketAPIs writes the WebSocket part of the route table and returns the refusals.
func printWebSocketAPIs(w io.Writer, apis []*WebSocketAPI, base string) []string {
	var refused []string
	for _, api := range apis {
		if api.Refused != "" {
			refused = append(refused, fmt.Sprintf("not served: WebSocket API %s (stack %s, id %s): %s", api.Name, api.Stack, api.ID, api.Refused))
			continue
		}
		fmt.Fprintf(w, "WebSocket API %s (stack %s, id %s, route selection %s)\n", api.Name, api.Stack, api.ID, orDefault(api.RouteSelectionExpression, websocket.DefaultRouteSelectionExpression))
		for _, st := range api.Stages {
			fmt.Fprintf(w, "  stage %-8s %s  (@connections: %s/@connections/{connectionId})\n", st.Name, WebSocketURL(base, api, st.Name), CallbackURL(base, api, st.Name))
		}
		for _, rt := range api.Routes {
			auth := orDefault(rt.Auth, "none")
			if rt.RouteResponse {
				auth += ", two-way"
			}
			fmt.Fprintf(w, "  %-36s -> %s  [auth: %s]\n", rt.Key, orDefault(rt.Function, functionTail(rt.URI)), auth)
		}
	}
	return refused
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// functionTail is the function name (and qualifier) an integration URI names, for the table.
func functionTail(uri string) string {
	fn := strings.TrimSuffix(uri, "/invocations")
	if i := strings.LastIndex(fn, ":function:"); i >= 0 {
		fn = fn[i+len(":function:"):]
	}
	return fn
}

// webSockets serves the WebSocket stages: one websocket.Server per stage, addressed like the
// other APIs by /{apiId}/{stage} (or Host {apiId}.execute-api.localhost and /{stage}), with
// the @connections API under .../{stage}/@connections/{connectionId}.
type webSockets struct {
	apis map[string]map[string]*websocket.Server // API id -> stage -> server
}

// startWebSockets creates the stage servers of the served APIs. base is the gateway's URL; la
// enforces API keys and throttles (nil when Config.Access replaced LocalAccess: APIs that
// require keys are then refused, and throttles are not enforced).
func startWebSockets(asm *assembly.Assembly, apis []*WebSocketAPI, runner invoke.Invoker, base string, opts WebSocketOptions, la *LocalAccess, out io.Writer) (*webSockets, error) {
	ws := &webSockets{apis: map[string]map[string]*websocket.Server{}}
	var logMu sync.Mutex
	for _, api := range apis {
		var admission websocket.Admission
		switch {
		case api.Refused != "":
		case la != nil:
			var err error
			if admission, err = la.WebSocketAdmission(api); err != nil {
				api.Refused = err.Error()
			}
		case api.KeyRequired:
			api.Refused = "API key required on $connect: API keys are checked only by the local access control, which Config.Access replaced"
		}
		if api.Refused != "" {
			continue
		}
		var auth websocket.ConnectAuthorizer
		if api.Authorizer != nil {
			l, err := authorizer.NewLambda(*api.Authorizer, runner, nil)
			if err != nil {
				return nil, err
			}
			auth = &connectAuthorizer{lambda: l, region: api.Region, account: api.Account}
		}
		stages := map[string]*websocket.Server{}
		for _, st := range api.Stages {
			routes := map[string]websocket.Route{}
			for _, rt := range api.Routes {
				fn, _, err := asm.ResolveFunction(rt.URI, st.Variables)
				if err != nil { // settleRoute refuses the API first; kept for safety
					return nil, fmt.Errorf("WebSocket API %s stage %s route %s: %w", api.Name, st.Name, rt.Key, err)
				}
				routes[rt.Key] = websocket.Route{Function: fn.ID, RouteResponse: rt.RouteResponse}
			}
			srv, err := websocket.New(websocket.Config{
				APIID: api.ID, Stage: st.Name, RouteSelectionExpression: api.RouteSelectionExpression,
				Routes: routes, StageVariables: st.Variables, Invoker: runner, Authorizer: auth, Admission: admission,
				Limits: websocket.Limits{IdleTimeout: opts.IdleTimeout, MaxDuration: opts.MaxDuration},
				Logger: newWSLog(out, &logMu, api.ID, st.Name),
			})
			if err != nil {
				return nil, fmt.Errorf("WebSocket API %s stage %s: %w", api.Name, st.Name, err)
			}
			stages[st.Name] = srv
		}
		ws.apis[api.ID] = stages
	}
	localizeCallbackURLs(asm, apis, base)
	return ws, nil
}

// localizeCallbackURLs points the functions' environment at the local stages: a variable
// holding a served stage's cloud callback URL (https://{apiId}.execute-api.{region}.{suffix}/{stage},
// as PORTICO_CALLBACK_URL does) gets the local one instead. It runs before any function
// process starts.
func localizeCallbackURLs(asm *assembly.Assembly, apis []*WebSocketAPI, base string) {
	local := map[string]string{} // "{apiId}/{stage}" -> local callback URL
	for _, api := range apis {
		if api.Refused == "" {
			for _, st := range api.Stages {
				local[api.ID+"/"+st.Name] = CallbackURL(base, api, st.Name)
			}
		}
	}
	for _, fn := range asm.Functions {
		for k, v := range fn.Environment {
			u, err := url.Parse(v)
			if err != nil || u.Scheme != "https" {
				continue
			}
			id, _, ok := strings.Cut(u.Host, ".execute-api.")
			if to, served := local[id+"/"+strings.Trim(u.Path, "/")]; ok && served {
				fn.Environment[k] = to
			}
		}
	}
}

// handler sends requests addressed to a WebSocket stage to its server, the rest to next.
func (ws *webSockets) handler(next http.Handler) http.Handler {
	if len(ws.apis) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.EscapedPath()
		id, byHost := apiIDFromHost(r.Host)
		if !byHost {
			id, path, _ = strings.Cut(strings.TrimPrefix(path, "/"), "/")
			path = "/" + path
		}
		stages, ok := ws.apis[id]
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		stage, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		srv, ok := stages[stage]
		switch {
		case !ok:
			writeJSONMessage(w, http.StatusNotFound, fmt.Sprintf("WebSocket API %s has no stage %q; stages: %s", id, stage, strings.Join(slices.Sorted(maps.Keys(stages)), ", ")))
		case rest == "":
			srv.ConnectHandler().ServeHTTP(w, r)
		case strings.HasPrefix(rest, "@connections/"):
			srv.ManagementHandler().ServeHTTP(w, r)
		default:
			writeJSONMessage(w, http.StatusNotFound, "WebSocket stages answer only the upgrade at /"+stage+" and @connections at /"+stage+"/@connections/{connectionId}")
		}
	})
}

// shutdown closes every connection with 1001 and waits, until ctx ends, for their $disconnect.
func (ws *webSockets) shutdown(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for _, stages := range ws.apis {
		for _, srv := range stages {
			wg.Go(func() {
				if err := srv.Shutdown(ctx); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func writeJSONMessage(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}

// connectAuthorizer runs a WebSocket API's Lambda authorizer (local/access/authorizer) on $connect.
type connectAuthorizer struct {
	lambda          *authorizer.Lambda
	region, account string
}

// AuthorizeConnect returns the authorizer context API Gateway passes to every route of the
// connection: the context the function returned plus principalId.
func (a *connectAuthorizer) AuthorizeConnect(ctx context.Context, ev *events.APIGatewayWebsocketProxyRequest) (map[string]any, error) {
	rc := ev.RequestContext
	req := &access.Request{
		Region: a.region, AccountID: a.account, APIID: rc.APIID, Stage: rc.Stage, RequestID: rc.RequestID,
		RouteKey: rc.RouteKey, Headers: http.Header(ev.MultiValueHeaders), Query: url.Values(ev.MultiValueQueryStringParameters),
		StageVars: ev.StageVariables,
	}
	req.SourceIP, _ = netip.ParseAddr(rc.Identity.SourceIP) // invalid stays the zero Addr: no source IP
	res, err := a.lambda.Authorize(ctx, req)
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		return nil, refusal(err)
	}
	out := maps.Clone(res.Context)
	if out == nil {
		out = map[string]any{}
	}
	out["principalId"] = res.PrincipalID
	return out, nil
}

// refusal turns an access denial into a refusal of the connection or message that logs as the
// denial (who decided and why); other errors pass unchanged.
func refusal(err error) error {
	var d *access.Denial
	if errors.As(err, &d) {
		return &deniedRefusal{Refusal: websocket.Refusal{StatusCode: d.Status, Message: d.Message}, denial: d}
	}
	return err
}

type deniedRefusal struct {
	websocket.Refusal
	denial *access.Denial
}

func (r *deniedRefusal) Error() string   { return r.denial.String() }
func (r *deniedRefusal) Unwrap() []error { return []error{&r.Refusal, r.denial} }

// wsAdmission applies API keys and usage plans on $connect, and stage and route throttles on
// $connect and every message, with the limiter of the REST and HTTP APIs (local/access/usage).
type wsAdmission struct {
	limiter     *usage.Limiter
	keyRequired bool
}

// WebSocketAdmission is the API key and throttle check of api's stages; it fails when the
// usage plans of the assembly cannot be enforced.
func (la *LocalAccess) WebSocketAdmission(api *WebSocketAPI) (websocket.Admission, error) {
	if la.limiterErr != nil {
		return nil, fmt.Errorf("usage plans: %w", la.limiterErr)
	}
	return &wsAdmission{limiter: la.limiter, keyRequired: api.KeyRequired}, nil
}

// Admit takes the key from the upgrade's x-api-key header; throttles are keyed by route key.
func (a *wsAdmission) Admit(_ context.Context, ev *events.APIGatewayWebsocketProxyRequest) error {
	rc := ev.RequestContext
	_, err := a.limiter.Admit(usage.Request{APIID: rc.APIID, Stage: rc.Stage, Method: rc.RouteKey,
		APIKeyRequired: a.keyRequired && rc.RouteKey == websocket.RouteConnect,
		HeaderKey:      http.Header(ev.MultiValueHeaders).Get("X-Api-Key")})
	return refusal(err)
}
