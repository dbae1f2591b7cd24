package gateway

import (
	"encoding/base64"
	"encoding/json"
	"mime"
	"net"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/internal/proxyevent"
)

func nilIfEmpty[M ~map[string]V, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

// body encodes the request body as the event carries it.
func (x *Exchange) body() (string, bool) {
	if len(x.Body) == 0 {
		return "", false
	}
	ct := x.Request.Header.Get("Content-Type")
	binary := false
	if x.API.Kind == REST {
		binary = mediaTypeIn(ct, x.API.BinaryMediaTypes)
	} else {
		binary = !isText(ct) || !utf8.Valid(x.Body)
	}
	if binary {
		return base64.StdEncoding.EncodeToString(x.Body), true
	}
	return string(x.Body), false
}

// mediaTypeIn reports whether ct matches a binaryMediaTypes entry ("image/png", "image/*",
// "*/*").
func mediaTypeIn(ct string, types []string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt == "" {
		return false
	}
	for _, t := range types {
		if ok, _ := path.Match(strings.ToLower(t), mt); ok {
			return true
		}
	}
	return false
}

// isText is HTTP API's rule for bodies passed as text rather than base64.
func isText(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt == "" {
		return ct == "" // no content type: treated as text
	}
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded", "application/graphql":
		return true
	}
	return false
}

func (x *Exchange) domain() (name, prefix string) {
	name = x.Request.Host
	if h, _, err := net.SplitHostPort(name); err == nil {
		name = h
	}
	prefix, _, _ = strings.Cut(name, ".")
	return name, prefix
}

// eventV1 is the REST (and HTTP payload 1.0) proxy event.
func (x *Exchange) eventV1() ([]byte, error) {
	r := x.Request
	headers, multiHeaders := proxyevent.Flatten(x.headers())
	singleQ, multiQ := proxyevent.Flatten(x.Query)
	body, b64 := x.body()
	domain, prefix := x.domain()
	stagePath := x.Path
	if x.Stage.Name != "$default" {
		stagePath = "/" + x.Stage.Name + x.Path
	}
	resource := x.Route.Path
	if x.Route.RouteKey == "$default" {
		resource = "$default"
	}
	ev := events.APIGatewayProxyRequest{
		Resource:                        resource,
		Path:                            x.Path,
		HTTPMethod:                      r.Method,
		Headers:                         headers,
		MultiValueHeaders:               multiHeaders,
		QueryStringParameters:           singleQ,
		MultiValueQueryStringParameters: multiQ,
		PathParameters:                  nilIfEmpty(x.PathParams),
		StageVariables:                  nilIfEmpty(x.Stage.Variables),
		Body:                            body,
		IsBase64Encoded:                 b64,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         assembly.DefaultAccount,
			ResourceID:        x.Route.ResourceID,
			Stage:             x.Stage.Name,
			RequestID:         x.RequestID,
			ExtendedRequestID: x.RequestID,
			Identity:          x.identity(),
			ResourcePath:      resource,
			Authorizer:        x.authorizerV1(),
			HTTPMethod:        r.Method,
			RequestTime:       proxyevent.RequestTime(x.Start),
			RequestTimeEpoch:  x.Start.UnixMilli(),
			APIID:             x.API.ID,
			Path:              stagePath,
			Protocol:          r.Proto,
			DomainName:        domain,
			DomainPrefix:      prefix,
		},
	}
	return json.Marshal(ev)
}

// eventV2 is the HTTP API payload 2.0 event: lower-case headers and query values joined by
// commas, cookies split out of the Cookie header.
func (x *Exchange) eventV2() ([]byte, error) {
	r := x.Request
	headers := map[string]string{}
	for k, v := range x.headers() {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	joined := map[string]string{}
	for k, v := range x.Query {
		joined[k] = strings.Join(v, ",")
	}
	body, b64 := x.body()
	domain, prefix := x.domain()
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              x.Route.RouteKey,
		RawPath:               x.RawPath,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               proxyevent.Cookies(r.Header),
		Headers:               headers,
		QueryStringParameters: nilIfEmpty(joined),
		PathParameters:        nilIfEmpty(x.PathParams),
		StageVariables:        nilIfEmpty(x.Stage.Variables),
		Body:                  body,
		IsBase64Encoded:       b64,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     x.Route.RouteKey,
			AccountID:    assembly.DefaultAccount,
			Stage:        x.Stage.Name,
			RequestID:    x.RequestID,
			APIID:        x.API.ID,
			DomainName:   domain,
			DomainPrefix: prefix,
			Time:         proxyevent.RequestTime(x.Start),
			TimeEpoch:    x.Start.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: x.RawPath, Protocol: r.Proto, SourceIP: x.SourceIP, UserAgent: r.UserAgent(),
			},
		},
	}
	if x.Grant != nil {
		ev.RequestContext.Authorizer = x.Grant.AuthorizerV2
	}
	return json.Marshal(ev)
}

// authorizerV1 is requestContext.authorizer of a payload 1.0 event (nil: no authorizer ran).
func (x *Exchange) authorizerV1() map[string]any {
	if x.Grant == nil {
		return nil
	}
	return x.Grant.Authorizer
}

func (x *Exchange) identity() events.APIGatewayRequestIdentity {
	id := events.APIGatewayRequestIdentity{SourceIP: x.SourceIP, UserAgent: x.Request.UserAgent()}
	if x.Grant != nil && x.Grant.APIKey != nil {
		id.APIKey, id.APIKeyID = x.Grant.APIKey.Value, x.Grant.APIKey.ID
	}
	return id
}
