package access

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/portico-dev/portico/local/access/authorizer"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/usage"
	"github.com/portico-dev/portico/local/assembly"
)

// Route keys of WebSocket APIs that access control treats specially.
const (
	routeConnect = "$connect"
	// keyFromHeader is the API key selection expression of keys sent in the x-api-key header.
	keyFromHeader = "$request.header.x-api-key"
)

// WebSocketRoute says why the access requirements of a WebSocket API's route cannot be
// emulated faithfully, or nil when they can: API keys and authorization apply on $connect only,
// keys come from the x-api-key header, and authorization is a REQUEST Lambda authorizer or IAM.
func (g *Gate) WebSocketRoute(api *assembly.V2API, rt *assembly.V2Route) error {
	if rt.APIKeyRequired {
		switch {
		case rt.RouteKey != routeConnect:
			return errors.New("API key required: WebSocket APIs check API keys on $connect only")
		case api.APIKeySelectionExpression != "" && api.APIKeySelectionExpression != keyFromHeader:
			return fmt.Errorf("API key selection expression %q is not emulated (only %s)", api.APIKeySelectionExpression, keyFromHeader)
		}
	}
	switch {
	case rt.AuthorizationType == "NONE":
		return nil
	case rt.RouteKey != routeConnect:
		return fmt.Errorf("authorization type %s: WebSocket APIs authorize on $connect only", rt.AuthorizationType)
	case rt.AuthorizationType == "AWS_IAM" && g.cfg.Verify == nil:
		return errors.New("AWS_IAM authorization: no SigV4 verifier configured")
	case rt.AuthorizationType == "AWS_IAM":
		return nil
	case rt.AuthorizationType != "CUSTOM":
		return fmt.Errorf("%s authorization is not emulated (only NONE, AWS_IAM and a Lambda authorizer are)", rt.AuthorizationType)
	}
	_, err := g.connectAuthorizer(rt)
	return err
}

// connectAuthorizer is the Lambda authorizer of a $connect route; building it validates its
// configuration, so that a bad identity source refuses the API at start-up by name.
func (g *Gate) connectAuthorizer(rt *assembly.V2Route) (*authorizer.Lambda, error) {
	z := rt.Authorizer
	switch {
	case z == nil || !z.V2:
		return nil, fmt.Errorf("authorizer %q is not an AWS::ApiGatewayV2::Authorizer of the API's stack", rt.AuthorizerID)
	case z.Type != "REQUEST":
		return nil, fmt.Errorf("authorizer %s has type %q; WebSocket APIs take REQUEST Lambda authorizers only", z.Name, z.Type)
	}
	cfg, err := g.lambdaConfig(z, authorizer.WebSocket)
	if err != nil {
		return nil, err
	}
	return authorizer.NewLambda(cfg, g.cfg.Invoker, nil)
}

// Connect is the access control of a WebSocket API's stages: IAM or the Lambda authorizer of
// $connect, and API keys, usage plans and throttles (local/websocket calls it as its
// ConnectAuthorizer and Admission).
type Connect struct {
	lambda      *authorizer.Lambda // nil when $connect has no Lambda authorizer
	iam         *Gate              // set when $connect requires AWS_IAM
	limiter     *usage.Limiter
	keyRequired bool
	api         *assembly.V2API
}

// WebSocket returns the access control of api, whose routes WebSocketRoute accepted, or why
// the usage plans of the assembly cannot be enforced.
func (g *Gate) WebSocket(api *assembly.V2API) (*Connect, error) {
	if g.limiterErr != nil {
		return nil, fmt.Errorf("usage plans: %w", g.limiterErr)
	}
	c := &Connect{limiter: g.limiter, api: api}
	for _, rt := range api.Routes {
		c.keyRequired = c.keyRequired || rt.APIKeyRequired && rt.RouteKey == routeConnect
		if rt.RouteKey == routeConnect && rt.AuthorizationType == "AWS_IAM" {
			c.iam = g
		}
		if rt.RouteKey != routeConnect || rt.AuthorizationType != "CUSTOM" {
			continue
		}
		var err error
		if c.lambda, err = g.connectAuthorizer(rt); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// HasAuthorizer reports whether $connect is authorized: by a Lambda authorizer or IAM.
func (c *Connect) HasAuthorizer() bool { return c.lambda != nil || c.iam != nil }

// AuthorizeConnect authorizes the upgrade request r. With IAM, it verifies the signature and
// the caller's identity-based policies (WebSocket APIs have no resource policy, so a caller of
// another account is refused) and returns the caller, with no authorizer context. With a Lambda
// authorizer, it returns the authorizer context API Gateway passes to every route of the
// connection: the context the function returned plus principalId, and no caller. Refusals are
// *check.Denial.
func (c *Connect) AuthorizeConnect(ctx context.Context, r *check.Request) (map[string]any, *check.Caller, error) {
	// The stage knows its API by id only; the API's account and region make the method ARN.
	r.Region, r.AccountID = c.api.Region, c.api.Account
	if c.iam != nil {
		caller, err := c.iam.authorizeIAM(r, v2API, nil)
		return nil, caller, err
	}
	res, err := c.lambda.Authorize(ctx, r)
	if err == nil {
		traceLambda(r, res)
		err = res.Err()
	}
	if err != nil {
		return nil, nil, err
	}
	out := maps.Clone(res.Context)
	if out == nil {
		out = map[string]any{}
	}
	out["principalId"] = res.PrincipalID
	return out, nil, nil
}

// Admit applies the API key (from the upgrade's x-api-key header) and usage plan on $connect,
// and the stage throttle of the route (its RouteSettings, else DefaultRouteSettings, in a bucket
// per route), on $connect and every message.
func (c *Connect) Admit(_ context.Context, r *check.Request) error {
	g, err := c.limiter.Admit(usage.Request{APIID: r.APIID, Stage: r.Stage, Method: r.RouteKey,
		APIKeyRequired: c.keyRequired && r.RouteKey == routeConnect, HeaderKey: r.Headers.Get("X-Api-Key")})
	if err == nil {
		traceAdmitted(r, g)
	}
	return err
}
