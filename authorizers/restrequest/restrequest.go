// Package restrequest is a REST API REQUEST authorizer: it verifies the Cognito token in the
// Authorization header (with or without "Bearer ") and returns an IAM policy for the whole
// stage. API Gateway caches it by all identity sources.
package restrequest

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/authorizers/tokenauth"
)

// Handler answers REQUEST authorizer events of REST APIs.
type Handler struct {
	Authorizer tokenauth.Authorizer
}

// Handle returns an Allow or Deny policy, or the error "Unauthorized" (401).
func (h Handler) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	return h.Authorizer.IAMResponse(ctx, req.MethodArn, tokenauth.BearerToken(tokenauth.Header(req.Headers, "Authorization")))
}
