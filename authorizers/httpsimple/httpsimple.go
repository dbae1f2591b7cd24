// Package httpsimple is an HTTP API Lambda authorizer with payload 2.0 and simple responses: it
// verifies the Cognito token in the Authorization header (with or without "Bearer ") and
// answers isAuthorized with a flat context.
package httpsimple

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/authorizers/tokenauth"
)

// Handler answers HTTP API authorizer events (payload 2.0, simple responses enabled).
type Handler struct {
	Authorizer tokenauth.Authorizer
}

// Handle returns isAuthorized (false: 403), or the error "Unauthorized" for a missing or invalid
// token.
func (h Handler) Handle(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	return h.Authorizer.SimpleResponse(ctx, req.RouteArn, tokenauth.BearerToken(tokenauth.Header(req.Headers, "Authorization")))
}
