package notifications

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

// Connections is the part of the API Gateway Management API the handler uses;
// *apigatewaymanagementapi.Client implements it, tests fake it.
type Connections interface {
	PostToConnection(ctx context.Context, params *apigatewaymanagementapi.PostToConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
}

// NewConnections returns the SDK client for the @connections API at callbackURL, the stage's
// URL from PORTICO_CALLBACK_URL (https://{apiId}.execute-api.{region}.amazonaws.com/{stage}).
// Every request is SigV4-signed with cfg's credentials: in Lambda the execution role's, which
// `portico serve` also gives the local process (http:// is the local gateway's scheme).
func NewConnections(cfg aws.Config, callbackURL string) (*apigatewaymanagementapi.Client, error) {
	u, err := url.Parse(callbackURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("callback URL must be an absolute https:// URL like https://{apiId}.execute-api.{region}.amazonaws.com/{stage} (http:// for the local gateway), got %q", callbackURL)
	}
	return apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(callbackURL)
	}), nil
}
