package serve

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
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

// WebSocketAPI is a WebSocket API of the assembly as serve mounts it.
type WebSocketAPI struct {
	*assembly.V2API
	Stages []*assembly.Stage // by name
	Routes []*WebSocketRoute // by route key
	// Refused says why the API is not served ("" when it is). Every connection passes
	// $connect and any message may select any route, so one route that cannot be served
	// faithfully refuses the whole API rather than letting its messages fall to $default.
	Refused string

	connect *access.Connect // the access control of its stages
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

	functions map[string]string // function ID by stage name, resolved once
}

// settleWebSockets models the WebSocket APIs of asm as served, or refused with the reason:
// routes whose integration or access requirements cannot be emulated, or that use functions
// that cannot run here (unrunnable, by function ID). accessReplaced: Config.Access replaced the
// gate, so API keys and throttles cannot be checked.
func settleWebSockets(asm *assembly.Assembly, gate *access.Gate, accessReplaced bool, unrunnable map[string]string) []*WebSocketAPI {
	var out []*WebSocketAPI
	for _, a := range asm.WebSocketAPIs {
		api := &WebSocketAPI{V2API: a, Stages: slices.SortedFunc(slices.Values(a.Stages), func(x, y *assembly.Stage) int { return strings.Compare(x.Name, y.Name) })}
		var problems []string
		keyRequired := false
		for _, hr := range a.Routes {
			rt := &WebSocketRoute{Key: hr.RouteKey, RouteResponse: hr.RouteResponse, Auth: routeAuth(hr)}
			keyRequired = keyRequired || hr.APIKeyRequired
			if err := api.settleRoute(asm, gate, hr, rt, unrunnable); err != nil {
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
		case accessReplaced && keyRequired:
			api.Refused = "API key required on $connect: API keys are checked only by the local access control, which Config.Access replaced"
		default:
			var err error
			if api.connect, err = gate.WebSocket(a); err != nil {
				api.Refused = err.Error()
			}
		}
		out = append(out, api)
	}
	return out
}

// routeAuth describes a route's access requirements for the route table.
func routeAuth(hr *assembly.V2Route) string {
	var parts []string
	switch {
	case hr.AuthorizationType == "NONE":
	case hr.AuthorizationType == "CUSTOM" && hr.RouteKey == websocket.RouteConnect && hr.Authorizer != nil:
		parts = append(parts, "Lambda authorizer "+hr.Authorizer.Name)
	default:
		parts = append(parts, gateway.AuthorizationLabel(hr.AuthorizationType))
	}
	if hr.APIKeyRequired {
		parts = append(parts, "API key required")
	}
	return strings.Join(parts, ", ")
}

// settleRoute resolves rt's function in every stage and says why the route cannot be served,
// if so.
func (api *WebSocketAPI) settleRoute(asm *assembly.Assembly, gate *access.Gate, hr *assembly.V2Route, rt *WebSocketRoute, unrunnable map[string]string) error {
	in := hr.Integration
	switch {
	case in == nil:
		return errors.New("route has no integration target")
	case in.Type != "AWS_PROXY":
		return fmt.Errorf("%s integration: only Lambda proxy integrations are emulated", in.Type)
	}
	rt.URI, rt.functions = in.URI, map[string]string{}
	// An integration naming ${stageVariables.x} may pick another function per stage.
	for _, st := range api.Stages {
		fn, _, err := asm.ResolveFunction(in.URI, st.Variables)
		if err != nil {
			return fmt.Errorf("stage %s: %w", st.Name, err)
		}
		if reason, ok := unrunnable[fn.ID]; ok {
			return errors.New(reason)
		}
		rt.functions[st.Name] = fn.ID
		if !strings.Contains(in.URI, "${stageVariables.") {
			rt.Function = fn.ID
		}
	}
	if err := gate.WebSocketRoute(api.V2API, hr); err != nil {
		return err
	}
	if z := hr.Authorizer; z != nil && hr.AuthorizationType == "CUSTOM" {
		if fn, _, err := asm.ResolveFunction(z.FunctionURI, nil); err == nil && unrunnable[fn.ID] != "" {
			return fmt.Errorf("authorizer %s: %s", z.Name, unrunnable[fn.ID])
		}
	}
	return nil
}

// WebSocketURL is the local URL clients connect to.
func WebSocketURL(base, apiID, stage string) string {
	return "ws" + strings.TrimPrefix(CallbackURL(base, apiID, stage), "http")
}

// CallbackURL is the stage's local @connections endpoint base, as handlers use it
// (PORTICO_CALLBACK_URL).
func CallbackURL(base, apiID, stage string) string {
	return base + "/" + apiID + "/" + stage
}

// printWebSocketAPIs writes the WebSocket part of the route table and returns the refusals.
func printWebSocketAPIs(w io.Writer, apis []*WebSocketAPI, base string) []string {
	var refused []string
	for _, api := range apis {
		if api.Refused != "" {
			refused = append(refused, fmt.Sprintf("not served: WebSocket API %s (stack %s, id %s): %s", api.Name, api.Stack, api.ID, api.Refused))
			continue
		}
		fmt.Fprintf(w, "WebSocket API %s (stack %s, id %s, route selection %s)\n", api.Name, api.Stack, api.ID, cmp.Or(api.RouteSelectionExpression, websocket.DefaultRouteSelectionExpression))
		for _, st := range api.Stages {
			fmt.Fprintf(w, "  stage %-8s %s  (@connections: %s/@connections/{connectionId})\n", st.Name, WebSocketURL(base, api.ID, st.Name), CallbackURL(base, api.ID, st.Name))
		}
		for _, rt := range api.Routes {
			auth := cmp.Or(rt.Auth, "none")
			if rt.RouteResponse {
				auth += ", two-way"
			}
			fmt.Fprintf(w, "  %-36s -> %s  [auth: %s]\n", rt.Key, cmp.Or(rt.Function, functionTail(rt.URI)), auth)
		}
	}
	return refused
}

// functionTail is the function name (and qualifier) an integration URI names, for the table.
func functionTail(uri string) string {
	fn := strings.TrimSuffix(uri, "/invocations")
	if i := strings.LastIndex(fn, ":function:"); i >= 0 {
		fn = fn[i+len(":function:"):]
	}
	return fn
}

// webSockets are the mounted WebSocket stages: one websocket.Server per stage of each served
// API, addressed like the other APIs by /{apiId}/{stage} (or Host {apiId}.execute-api.localhost
// and /{stage}), with the @connections API under .../{stage}/@connections/{connectionId}.
type webSockets struct {
	apis map[string]*stageServers // by API id
}

// stageServers are the stage servers of one WebSocket API, by stage name (none under explain,
// which only decides).
type stageServers struct {
	api    *WebSocketAPI
	stages map[string]*websocket.Server
	caller *check.Caller // the caller explain assumes (DecideStage)
}

// mountWebSockets creates the stage servers of the served APIs. accessReplaced: Config.Access
// replaced the gate, so throttles are not enforced.
func mountWebSockets(apis []*WebSocketAPI, inv invoke.Invoker, opts WebSocketOptions, gate *access.Gate, accessReplaced bool, out io.Writer) (*webSockets, error) {
	ws := &webSockets{apis: map[string]*stageServers{}}
	var logMu sync.Mutex
	for _, api := range apis {
		if api.Refused != "" {
			continue
		}
		stages := &stageServers{api: api, stages: map[string]*websocket.Server{}}
		for _, st := range api.Stages {
			cfg := websocket.Config{
				APIID: api.ID, Stage: st.Name, RouteSelectionExpression: api.RouteSelectionExpression,
				Routes: map[string]websocket.Route{}, StageVariables: st.Variables, Invoker: inv,
				Limits: websocket.Limits{IdleTimeout: opts.IdleTimeout, MaxDuration: opts.MaxDuration},
				Logger: newWSLog(out, &logMu, api.ID, st.Name),
			}
			for _, rt := range api.Routes {
				cfg.Routes[rt.Key] = websocket.Route{Function: rt.functions[st.Name], RouteResponse: rt.RouteResponse}
			}
			if api.connect.HasAuthorizer() {
				cfg.Authorizer = api.connect
			}
			if !accessReplaced {
				cfg.Admission = api.connect
				cfg.Manage = gate.ManageConnections(api.V2API, st.Name)
			}
			srv, err := websocket.New(cfg)
			if err != nil {
				return nil, fmt.Errorf("WebSocket API %s stage %s: %w", api.Name, st.Name, err)
			}
			stages.stages[st.Name] = srv
		}
		ws.apis[api.ID] = stages
	}
	return ws, nil
}

// mounts are the gateway's mounts of the WebSocket APIs.
func (ws *webSockets) mounts() map[string]gateway.Mount {
	m := map[string]gateway.Mount{}
	for id, stages := range ws.apis {
		m[id] = stages
	}
	return m
}

// ServeStage sends the upgrade at /{stage} and the @connections API of a stage to its server.
func (s *stageServers) ServeStage(w http.ResponseWriter, r *http.Request, stage, rest string) {
	srv, ok := s.stages[stage]
	switch {
	case !ok:
		writeJSONMessage(w, http.StatusNotFound, s.noStage(stage))
	case rest == "":
		srv.ConnectHandler().ServeHTTP(w, r)
	case strings.HasPrefix(rest, "@connections/"):
		srv.ManagementHandler().ServeHTTP(w, r)
	default:
		writeJSONMessage(w, http.StatusNotFound, "WebSocket stages answer only the upgrade at /"+stage+" and @connections at /"+stage+"/@connections/{connectionId}")
	}
}

// noStage says that the API has no stage named stage.
func (s *stageServers) noStage(stage string) string {
	names := make([]string, len(s.api.Stages))
	for i, st := range s.api.Stages {
		names[i] = st.Name
	}
	return fmt.Sprintf("WebSocket API %s has no stage %q; stages: %s", s.api.ID, stage, strings.Join(names, ", "))
}

// shutdown closes every connection with 1001 and waits, until ctx ends, for their $disconnect.
func (ws *webSockets) shutdown(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for _, api := range ws.apis {
		for _, srv := range api.stages {
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
