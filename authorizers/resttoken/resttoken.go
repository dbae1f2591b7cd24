// Package resttoken is a REST API TOKEN authorizer: it verifies the Cognito token in the
// identity source (the Authorization header by default, with or without "Bearer ") and returns
// an IAM policy for the whole stage. API Gateway caches it by token.
package resttoken

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/authorizers/tokenauth"
)

// Handler answers TOKEN authorizer events.
type Handler struct {
	Authorizer tokenauth.Authorizer
}

// Handle returns an Allow or Deny policy, or the error "Unauthorized" (401).
func (h Handler) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	return h.Authorizer.IAMResponse(ctx, req.MethodArn, tokenauth.BearerToken(req.AuthorizationToken))
}
