package authorizer

import (
	"fmt"
	"strings"

	"github.com/portico-dev/portico/local/access/check"
)

// Protocol is the API type an authorizer belongs to; it fixes the identity-source syntax, the
// event and the response formats.
type Protocol string

// The API types.
const (
	REST      Protocol = "REST"
	HTTP      Protocol = "HTTP"
	WebSocket Protocol = "WEBSOCKET"
)

type sourceKind int

const (
	fromHeader sourceKind = iota
	fromQuery
	fromStageVar
	fromContext
)

// identitySource is one parsed identity-source expression.
type identitySource struct {
	expr string
	kind sourceKind
	name string
}

// contextVars are the $context variables an identity source may name.
var contextVars = map[string]func(r *check.Request) string{
	"routeKey":     func(r *check.Request) string { return r.RouteKey },
	"httpMethod":   func(r *check.Request) string { return r.Method },
	"path":         func(r *check.Request) string { return r.Path },
	"resourcePath": func(r *check.Request) string { return r.ResourcePath },
	"stage":        func(r *check.Request) string { return r.Stage },
	"apiId":        func(r *check.Request) string { return r.APIID },
	"identity.sourceIp": func(r *check.Request) string {
		if !r.SourceIP.IsValid() {
			return ""
		}
		return r.SourceIP.String()
	},
}

// parseIdentitySource parses an expression in the syntax of the protocol:
// REST "method.request.header.X", "method.request.querystring.x", "stageVariables.x", "context.x";
// HTTP "$request.header.x", "$request.querystring.x", "$stageVariables.x", "$context.x";
// WebSocket "route.request.header.X", "route.request.querystring.x", "stageVariables.x", "context.x".
func parseIdentitySource(p Protocol, expr string) (identitySource, error) {
	prefixes := map[Protocol][2]string{
		REST:      {"method.request.", ""},
		HTTP:      {"$request.", "$"},
		WebSocket: {"route.request.", ""},
	}[p]
	e := strings.TrimSpace(expr)
	var kind sourceKind
	var name string
	switch rest, ok := strings.CutPrefix(e, prefixes[0]); {
	case ok && strings.HasPrefix(rest, "header."):
		kind, name = fromHeader, strings.TrimPrefix(rest, "header.")
	case ok && strings.HasPrefix(rest, "querystring."):
		kind, name = fromQuery, strings.TrimPrefix(rest, "querystring.")
	case strings.HasPrefix(e, prefixes[1]+"stageVariables."):
		kind, name = fromStageVar, strings.TrimPrefix(e, prefixes[1]+"stageVariables.")
	case strings.HasPrefix(e, prefixes[1]+"context."):
		kind, name = fromContext, strings.TrimPrefix(e, prefixes[1]+"context.")
		if contextVars[name] == nil {
			return identitySource{}, fmt.Errorf("identity source %q: context variable %q is not supported (allowed: routeKey, httpMethod, path, resourcePath, stage, apiId, identity.sourceIp)", expr, name)
		}
	default:
		return identitySource{}, fmt.Errorf("identity source %q is not a %s identity source (allowed: %sheader.NAME, %squerystring.NAME, %sstageVariables.NAME, %scontext.NAME)",
			expr, p, prefixes[0], prefixes[0], prefixes[1], prefixes[1])
	}
	if name == "" {
		return identitySource{}, fmt.Errorf("identity source %q names nothing", expr)
	}
	return identitySource{expr: e, kind: kind, name: name}, nil
}

// value extracts the source's value from the request; "" means missing. Repeated headers and
// query parameters are comma-joined, as API Gateway passes them.
func (s identitySource) value(r *check.Request) string {
	switch s.kind {
	case fromHeader:
		return strings.Join(r.Headers.Values(s.name), ",")
	case fromQuery:
		return strings.Join(r.Query[s.name], ",")
	case fromStageVar:
		return r.StageVars[s.name]
	default:
		return contextVars[s.name](r)
	}
}
