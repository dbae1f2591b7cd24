package authorizer

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/internal/proxyevent"
)

// event builds the authorizer's input event for the configured type and payload version.
func (a *Lambda) event(r *check.Request, values []string) ([]byte, error) {
	arn := r.MethodARN()
	switch {
	case a.cfg.Type == TypeToken:
		return json.Marshal(events.APIGatewayCustomAuthorizerRequest{Type: TypeToken, AuthorizationToken: values[0], MethodArn: arn})
	case a.cfg.Protocol == HTTP && a.cfg.PayloadVersion == "2.0":
		return json.Marshal(events.APIGatewayV2CustomAuthorizerV2Request{
			Version: "2.0", Type: TypeRequest, RouteArn: arn, IdentitySource: values, RouteKey: r.RouteKey,
			RawPath: stagePath(r), RawQueryString: r.Query.Encode(), Cookies: proxyevent.Cookies(r.Headers),
			Headers: joined(lowerKeys(r.Headers)), QueryStringParameters: joined(r.Query),
			PathParameters: r.PathParams, StageVariables: r.StageVars,
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RouteKey: r.RouteKey, AccountID: r.AccountID, Stage: r.Stage, APIID: r.APIID, RequestID: r.RequestID,
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
					Method: r.Method, Path: stagePath(r), SourceIP: sourceIP(r), UserAgent: r.Headers.Get("User-Agent"),
				},
			},
		})
	case a.cfg.Protocol == HTTP:
		return json.Marshal(events.APIGatewayV2CustomAuthorizerV1Request{
			Version: "1.0", Type: TypeRequest, MethodArn: arn, IdentitySource: strings.Join(values, ","),
			Resource: r.RouteKey, Path: r.Path, HTTPMethod: r.Method, Headers: joined(r.Headers),
			QueryStringParameters: joined(r.Query), PathParameters: r.PathParams, StageVariables: r.StageVars,
			RequestContext: events.APIGatewayV2CustomAuthorizerV1RequestTypeRequestContext{
				Path: stagePath(r), AccountID: r.AccountID, Stage: r.Stage, RequestID: r.RequestID,
				ResourcePath: r.RouteKey, HTTPMethod: r.Method, APIID: r.APIID,
				Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: sourceIP(r)},
			},
		})
	default: // REST REQUEST and WebSocket $connect
		return json.Marshal(events.APIGatewayCustomAuthorizerRequestTypeRequest{
			Type: TypeRequest, MethodArn: arn, Resource: r.ResourcePath, Path: r.Path, HTTPMethod: r.Method,
			Headers: first(r.Headers), MultiValueHeaders: r.Headers,
			QueryStringParameters: first(r.Query), MultiValueQueryStringParameters: r.Query,
			PathParameters: r.PathParams, StageVariables: r.StageVars,
			RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
				Path: stagePath(r), AccountID: r.AccountID, Stage: r.Stage, RequestID: r.RequestID,
				ResourcePath: r.ResourcePath, HTTPMethod: r.Method, APIID: r.APIID,
				Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: sourceIP(r)},
			},
		})
	}
}

// stagePath is the path as the client sent it: with the stage, except on HTTP's $default stage.
func stagePath(r *check.Request) string {
	if r.Stage == "$default" {
		return r.Path
	}
	return "/" + r.Stage + r.Path
}

func sourceIP(r *check.Request) string {
	if !r.SourceIP.IsValid() {
		return ""
	}
	return r.SourceIP.String()
}

// first keeps the first value of each key (REST's single-value maps).
func first[M ~map[string][]string](m M) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// joined comma-joins repeated values (HTTP API's single-value maps).
func joined[M ~map[string][]string](m M) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = strings.Join(v, ",")
	}
	return out
}

// lowerKeys lower-cases header names, as HTTP API payload 2.0 does.
func lowerKeys(h http.Header) url.Values {
	out := make(url.Values, len(h))
	for k, v := range h {
		k = strings.ToLower(k)
		out[k] = append(out[k], v...)
	}
	return out
}
