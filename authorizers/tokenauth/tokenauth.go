// Package tokenauth turns a bearer token into the answers API Gateway expects from a Lambda
// authorizer: an IAM policy (REST TOKEN and REQUEST, WebSocket $connect) or a simple response
// (HTTP API payload 2.0). The authorizer packages beside it only extract the token.
//
// Outcomes: no token or an invalid one returns the error "Unauthorized", which API Gateway maps
// to 401; a valid token without a required scope or group gets an explicit Deny (403); a valid
// token gets an Allow. Policies cover the whole stage ({apiId}/{stage}/*), or with GroupRoutes
// the routes of the caller's groups, never only the methodArn of the first call: API Gateway
// reuses a cached policy for every route.
package tokenauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/internal/wildcard"
)

// ErrUnauthorized is the one error message API Gateway turns into 401 {"message":"Unauthorized"};
// any other error is a 500. API Gateway matches this exact, capitalized message.
var ErrUnauthorized = errors.New("Unauthorized")

// Environment variables read by ConfigFromEnv.
const (
	// EnvGroupRoutes is a JSON object from group to route patterns, e.g.
	// {"admins":["*"],"readers":["GET/*"]}.
	EnvGroupRoutes = "PORTICO_GROUP_ROUTES"
	// EnvUsageIdentifierClaim names the claim returned as usageIdentifierKey.
	EnvUsageIdentifierClaim = "PORTICO_USAGE_IDENTIFIER_CLAIM"
)

// Config is what an authorizer adds to token verification.
type Config struct {
	// GroupRoutes maps a Cognito group to the routes it may call, each "*" (every route) or
	// "METHOD/path" as in an execute-api ARN after the stage, with * matching anything:
	// "GET/orders/*". A caller gets the union over its groups; with none of them, a Deny.
	// With an HTTP API, put $context.routeKey in the identity sources or disable caching.
	// Default: every route of the stage for every valid token.
	GroupRoutes map[string][]string
	// UsageIdentifierClaim is the claim whose value becomes usageIdentifierKey, for REST APIs
	// whose API key source is AUTHORIZER. Default: none.
	UsageIdentifierClaim string
}

// ConfigFromEnv reads a Config from PORTICO_GROUP_ROUTES and PORTICO_USAGE_IDENTIFIER_CLAIM.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{UsageIdentifierClaim: getenv(EnvUsageIdentifierClaim)}
	if raw := getenv(EnvGroupRoutes); raw != "" {
		if err := json.Unmarshal([]byte(raw), &c.GroupRoutes); err != nil {
			return Config{}, fmt.Errorf(`%s must be a JSON object of group to route patterns like {"admins":["*"],"readers":["GET/*"]}, got %q: %w`, EnvGroupRoutes, raw, err)
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("environment: %w", err)
	}
	return c, nil
}

var methods = []string{"*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// Validate checks every route pattern.
func (c Config) Validate() error {
	var errs []error
	for group, patterns := range c.GroupRoutes {
		for _, p := range patterns {
			method, _, ok := strings.Cut(p, "/")
			if p != "*" && (!ok || !slices.Contains(methods, method)) {
				errs = append(errs, fmt.Errorf(`route pattern %q of group %q must be "*" or METHOD/path with METHOD one of %s`, p, group, strings.Join(methods, ", ")))
			}
		}
	}
	return errors.Join(errs...)
}

// Verifier checks a token; *jwt.Verifier is the implementation.
type Verifier interface {
	Verify(ctx context.Context, token string) (*jwt.Claims, error)
}

// Authorizer answers authorizer events for one verifier and Config.
type Authorizer struct {
	Verifier Verifier
	Config   Config
	// Log receives the reason of every refusal. Default: slog.Default().
	Log *slog.Logger
}

// FromEnv builds the Authorizer a cmd/main.go needs from the PORTICO_* variables.
func FromEnv(getenv func(string) string, log *slog.Logger) (Authorizer, error) {
	jc, err := jwt.ConfigFromEnv(getenv)
	if err != nil {
		return Authorizer{}, err
	}
	ac, err := ConfigFromEnv(getenv)
	if err != nil {
		return Authorizer{}, err
	}
	v, err := jwt.New(jc, log)
	if err != nil {
		return Authorizer{}, err
	}
	return Authorizer{Verifier: v, Config: ac, Log: log}, nil
}

// IAMResponse answers a REST or WebSocket authorizer event for methodArn. The error is
// ErrUnauthorized for a missing or invalid token, or a configuration error (500).
func (a Authorizer) IAMResponse(ctx context.Context, methodArn, token string) (events.APIGatewayCustomAuthorizerResponse, error) {
	stage, _, err := splitArn(methodArn)
	if err != nil {
		return events.APIGatewayCustomAuthorizerResponse{}, err
	}
	claims, routes, err := a.decide(ctx, token)
	if err != nil {
		return events.APIGatewayCustomAuthorizerResponse{}, err
	}
	resp := events.APIGatewayCustomAuthorizerResponse{
		PrincipalID:    claims.Subject,
		PolicyDocument: policy("Deny", stage, []string{"*"}),
		Context:        flatContext(claims),
	}
	if len(routes) > 0 {
		resp.PolicyDocument = policy("Allow", stage, routes)
		resp.UsageIdentifierKey = a.usageIdentifier(ctx, claims)
	}
	return resp, nil
}

// SimpleResponse answers an HTTP API (payload 2.0) authorizer event for routeArn.
func (a Authorizer) SimpleResponse(ctx context.Context, routeArn, token string) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	_, route, err := splitArn(routeArn)
	if err != nil {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
	}
	claims, routes, err := a.decide(ctx, token)
	if err != nil {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
	}
	allowed := slices.ContainsFunc(routes, func(p string) bool { return wildcard.Match(p, route) })
	if !allowed {
		a.log().InfoContext(ctx, "authorizer denied", "sub", claims.Subject, "route", route, "reason", "no group may call this route")
	}
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: allowed, Context: flatContext(claims)}, nil
}

// decide verifies the token and returns the route patterns the caller may use (none: Deny).
func (a Authorizer) decide(ctx context.Context, token string) (*jwt.Claims, []string, error) {
	if token == "" {
		a.log().InfoContext(ctx, "authorizer refused", "reason", "no token")
		return nil, nil, ErrUnauthorized
	}
	claims, err := a.Verifier.Verify(ctx, token)
	switch {
	case errors.Is(err, jwt.ErrForbidden) && claims != nil:
		a.log().InfoContext(ctx, "authorizer denied", "sub", claims.Subject, "reason", err.Error())
		return claims, nil, nil
	case err != nil:
		a.log().InfoContext(ctx, "authorizer refused", "reason", err.Error())
		return nil, nil, ErrUnauthorized
	}
	if len(a.Config.GroupRoutes) == 0 {
		return claims, []string{"*"}, nil
	}
	var routes []string
	for _, g := range claims.Groups {
		routes = append(routes, a.Config.GroupRoutes[g]...)
	}
	if len(routes) == 0 {
		a.log().InfoContext(ctx, "authorizer denied", "sub", claims.Subject, "reason", fmt.Sprintf("groups %q have no routes", claims.Groups))
	}
	slices.Sort(routes)
	return claims, slices.Compact(routes), nil
}

func (a Authorizer) usageIdentifier(ctx context.Context, claims *jwt.Claims) string {
	if a.Config.UsageIdentifierClaim == "" {
		return ""
	}
	v, _ := claims.Lookup(a.Config.UsageIdentifierClaim)
	s, ok := v.(string)
	if !ok {
		// API Gateway then answers 403 for methods that require a key, which is the right outcome.
		a.log().WarnContext(ctx, "usage identifier claim is missing or not a string", "claim", a.Config.UsageIdentifierClaim, "sub", claims.Subject)
	}
	return s
}

func (a Authorizer) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

// splitArn splits arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{route...} into the
// stage ARN and the route after it ("GET/orders/1" or "$connect").
func splitArn(arn string) (stage, route string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "execute-api" {
		segs := strings.SplitN(parts[5], "/", 3)
		if len(segs) == 3 && segs[0] != "" && segs[1] != "" {
			return strings.Join(parts[:5], ":") + ":" + segs[0] + "/" + segs[1], segs[2], nil
		}
	}
	return "", "", fmt.Errorf("authorizer event ARN must be arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{route}, got %q", arn)
}

func policy(effect, stage string, routes []string) events.APIGatewayCustomAuthorizerPolicy {
	resources := make([]string, len(routes))
	for i, r := range routes {
		resources[i] = stage + "/" + r
	}
	return events.APIGatewayCustomAuthorizerPolicy{
		Version: "2012-10-17",
		Statement: []events.IAMPolicyStatement{{
			Action:   []string{"execute-api:Invoke"},
			Effect:   effect,
			Resource: resources,
		}},
	}
}

// flatContext is the authorizer context: flat strings only, which every API type accepts.
func flatContext(c *jwt.Claims) map[string]any {
	return map[string]any{
		"sub":      c.Subject,
		"username": c.Name(),
		"groups":   strings.Join(c.Groups, ","),
		"scopes":   strings.Join(c.Scopes(), ","),
	}
}

// BearerToken returns the token of an Authorization value, with or without the Bearer scheme.
func BearerToken(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		v = strings.TrimSpace(v[7:])
	}
	return v
}

// Header returns the value of a header in a map, whatever the case of its name.
func Header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
