// Package websocket is a WebSocket API $connect REQUEST authorizer: it verifies the Cognito
// token from the "token" query parameter (browsers cannot set headers on a WebSocket; keep such
// URLs out of logs) or else the Authorization header, and returns an IAM policy. WebSocket
// authorizer results are never cached.
package websocket

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/authorizers/tokenauth"
)

// Handler answers $connect authorizer events.
type Handler struct {
	Authorizer tokenauth.Authorizer
}

// Handle returns an Allow or Deny policy, or the error "Unauthorized" (401) which refuses the
// upgrade.
func (h Handler) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	token := req.QueryStringParameters["token"]
	if token == "" {
		token = tokenauth.Header(req.Headers, "Authorization")
	}
	return h.Authorizer.IAMResponse(ctx, req.MethodArn, tokenauth.BearerToken(token))
}
