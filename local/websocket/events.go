package websocket

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/internal/proxyevent"
	"github.com/portico-dev/portico/local/invoke"
)

// newID returns an ID shaped like API Gateway's connection and request IDs ("L0SM9cOFvHcCIhw=").
func newID() string {
	var b [11]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.URLEncoding.EncodeToString(b[:])
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
			RequestTime:       proxyevent.RequestTime(now),
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
	c.grant.apply(&ev.RequestContext)
	return ev
}

// grant is what the ConnectAuthorizer admitted a connection with.
type grant struct {
	authorizer map[string]any
	caller     *check.Caller
}

// apply puts the grant into the request context of an event. An IAM caller fills the identity
// as on a REST API (gateway's identityV1: caller and user its unique id, userArn its ARN): no
// capture of a WebSocket event of an IAM caller was found (README, Known differences).
func (g grant) apply(rc *events.APIGatewayWebsocketProxyRequestContext) {
	if g.authorizer != nil {
		rc.Authorizer = g.authorizer
	}
	if c := g.caller; c != nil {
		rc.Identity.AccessKey, rc.Identity.AccountID, rc.Identity.UserArn = c.AccessKey, c.AccountID, c.ARN
		rc.Identity.Caller, rc.Identity.User = c.UserID, c.UserID
	}
}

// connectEvent is the $connect event: the base event plus the upgrade request's headers and
// query string (parsed once by the caller).
func (c *connection) connectEvent(r *http.Request, query url.Values) events.APIGatewayWebsocketProxyRequest {
	ev := c.baseEvent(RouteConnect, "CONNECT", c.connectedAt)
	ev.Headers, ev.MultiValueHeaders = proxyevent.Flatten(r.Header) // never empty: Upgrade was checked
	if r.Host != "" {
		ev.Headers["Host"] = r.Host
		ev.MultiValueHeaders["Host"] = []string{r.Host}
	}
	ev.QueryStringParameters, ev.MultiValueQueryStringParameters = proxyevent.Flatten(query)
	return ev
}

// disconnectEvent is the $disconnect event. No client request comes with it, yet API Gateway
// sends headers: Host (the domain name) and x-api-key, X-Forwarded-For and x-restapi, all
// empty, as captured on AWS in aws-lambda-go's events/testdata/apigw-websocket-request-disconnect.json.
func (c *connection) disconnectEvent(code websocket.StatusCode, reason string, now time.Time) events.APIGatewayWebsocketProxyRequest {
	ev := c.baseEvent(RouteDisconnect, "DISCONNECT", now)
	ev.RequestContext.DisconnectStatusCode = int64(code)
	ev.RequestContext.DisconnectReason = &reason
	ev.Headers, ev.MultiValueHeaders = proxyevent.Flatten(map[string][]string{
		"Host":            {c.domainName},
		"x-api-key":       {""},
		"X-Forwarded-For": {""},
		"x-restapi":       {""},
	})
	return ev
}

// invoke runs route's function with ev and decodes its proxy response.
// The returned logger is log with the function and whether its process was cold.
func (s *Server) invoke(route Route, ev *events.APIGatewayWebsocketProxyRequest, log *slog.Logger) (events.APIGatewayProxyResponse, *slog.Logger, error) {
	var resp events.APIGatewayProxyResponse
	log = log.With("function", route.Function)
	payload, err := json.Marshal(ev)
	if err != nil {
		return resp, log, fmt.Errorf("encode %s event: %w", ev.RequestContext.RouteKey, err)
	}
	ctx, cancel := s.integrationContext()
	defer cancel()
	res, err := s.cfg.Invoker.Invoke(ctx, invoke.Call{Function: route.Function, Payload: payload})
	if err != nil {
		return resp, log, fmt.Errorf("invoke %s for route %s: %w", route.Function, ev.RequestContext.RouteKey, err)
	}
	log = log.With("cold", res.Cold)
	if err := json.Unmarshal(res.Payload, &resp); err != nil {
		return resp, log, fmt.Errorf("function %s returned a malformed proxy response for route %s: %w", route.Function, ev.RequestContext.RouteKey, err)
	}
	return resp, log, nil
}
