package websocket

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// newID returns an ID shaped like API Gateway's connection and request IDs ("L0SM9cOFvHcCIhw=").
func newID() string {
	var b [11]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.URLEncoding.EncodeToString(b[:])
}

// requestTime formats t as requestContext.requestTime does ("09/Apr/2020:18:03:43 +0000").
func requestTime(t time.Time) string {
	return t.UTC().Format("02/Jan/2006:15:04:05 -0700")
}

// sourceIP is the client address without its port.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// baseEvent is the part of every event that comes from the connection.
func (c *connection) baseEvent(routeKey, eventType string, now time.Time) events.APIGatewayWebsocketProxyRequest {
	requestID := newID()
	ev := events.APIGatewayWebsocketProxyRequest{
		StageVariables: c.srv.cfg.StageVariables,
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{
			RouteKey:          routeKey,
			EventType:         eventType,
			ExtendedRequestID: requestID,
			RequestID:         requestID,
			RequestTime:       requestTime(now),
			RequestTimeEpoch:  now.UnixMilli(),
			MessageDirection:  "IN",
			Stage:             c.srv.cfg.Stage,
			ConnectedAt:       c.connectedAt.UnixMilli(),
			Identity:          events.APIGatewayRequestIdentity{SourceIP: c.sourceIP, UserAgent: c.userAgent},
			DomainName:        c.domainName,
			ConnectionID:      c.id,
			APIID:             c.srv.cfg.APIID,
		},
	}
	if c.authorizer != nil {
		ev.RequestContext.Authorizer = c.authorizer
	}
	return ev
}

// connectEvent is the $connect event: the base event plus the upgrade request's headers and
// query string.
func (c *connection) connectEvent(r *http.Request) events.APIGatewayWebsocketProxyRequest {
	ev := c.baseEvent(RouteConnect, "CONNECT", c.connectedAt)
	ev.Headers, ev.MultiValueHeaders = flatten(r.Header) // never empty: Upgrade was checked
	if r.Host != "" {
		ev.Headers["Host"] = r.Host
		ev.MultiValueHeaders["Host"] = []string{r.Host}
	}
	ev.QueryStringParameters, ev.MultiValueQueryStringParameters = flatten(r.URL.Query())
	return ev
}

// flatten gives the single-value (last value wins, as in API Gateway) and multi-value forms of
// a header or query map, or nils when it is empty.
func flatten(m map[string][]string) (map[string]string, map[string][]string) {
	if len(m) == 0 {
		return nil, nil
	}
	single := make(map[string]string, len(m))
	multi := make(map[string][]string, len(m))
	for k, v := range m {
		if len(v) > 0 {
			single[k] = v[len(v)-1]
		}
		multi[k] = v
	}
	return single, multi
}

// invoke runs route's function with ev and decodes its proxy response.
// The returned logger is log with the function and, when the Invoker is a ColdInvoker, whether
// its process was cold.
func (s *Server) invoke(route Route, ev *events.APIGatewayWebsocketProxyRequest, log *slog.Logger) (events.APIGatewayProxyResponse, *slog.Logger, error) {
	var resp events.APIGatewayProxyResponse
	log = log.With("function", route.Function)
	payload, err := json.Marshal(ev)
	if err != nil {
		return resp, log, fmt.Errorf("encode %s event: %w", ev.RequestContext.RouteKey, err)
	}
	ctx, cancel := s.integrationContext()
	defer cancel()
	var out []byte
	if ci, ok := s.cfg.Invoker.(ColdInvoker); ok {
		var cold bool
		out, cold, err = ci.InvokeCold(ctx, route.Function, payload)
		log = log.With("cold", cold)
	} else {
		out, err = s.cfg.Invoker.Invoke(ctx, route.Function, payload)
	}
	if err != nil {
		return resp, log, fmt.Errorf("invoke %s for route %s: %w", route.Function, ev.RequestContext.RouteKey, err)
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return resp, log, fmt.Errorf("function %s returned a malformed proxy response for route %s: %w", route.Function, ev.RequestContext.RouteKey, err)
	}
	return resp, log, nil
}
