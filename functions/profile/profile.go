// Package profile is the sample HTTP API (payload 2.0) handler behind a JWT authorizer: it
// answers with the caller's identity as the authorizer verified it, read from the token's claims.
package profile

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Route keys the handler serves; the Profile stack routes exactly these to it.
const (
	RouteMe    = "GET /profile"
	RouteAdmin = "GET /admin/profiles/{id}"
)

// Handler answers the profile routes. It keeps no state: everything comes from the claims.
type Handler struct{}

// Profile is the JSON body of GET /profile.
type Profile struct {
	Subject  string   `json:"sub"`
	Username string   `json:"username,omitempty"`
	Email    string   `json:"email,omitempty"`
	TokenUse string   `json:"tokenUse"`
	Scopes   []string `json:"scopes,omitempty"`
	Groups   []string `json:"groups,omitempty"`
	Stage    string   `json:"stage"`
}

// AdminView is the JSON body of GET /admin/profiles/{id}.
type AdminView struct {
	Subject     string   `json:"sub"`
	RequestedBy string   `json:"requestedBy"`
	Scopes      []string `json:"scopes"`
}

// Handle serves RouteMe and RouteAdmin. A request without verified JWT claims gets 401: the
// gateway should never route one here, so a missing authorizer fails closed.
func (Handler) Handle(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	auth := req.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil || auth.JWT.Claims["sub"] == "" {
		return jsonResponse(http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
	}
	claims := auth.JWT.Claims
	scopes := strings.Fields(claims["scope"])
	if len(scopes) == 0 {
		scopes = auth.JWT.Scopes
	}
	switch req.RouteKey {
	case RouteMe:
		username := claims["cognito:username"]
		if username == "" {
			username = claims["username"]
		}
		return jsonResponse(http.StatusOK, Profile{
			Subject:  claims["sub"],
			Username: username,
			Email:    claims["email"],
			TokenUse: claims["token_use"],
			Scopes:   scopes,
			Groups:   groups(claims["cognito:groups"]),
			Stage:    req.RequestContext.Stage,
		})
	case RouteAdmin:
		return jsonResponse(http.StatusOK, AdminView{Subject: req.PathParameters["id"], RequestedBy: claims["sub"], Scopes: scopes})
	}
	return jsonResponse(http.StatusNotFound, map[string]string{"message": "Not Found"})
}

// groups reads cognito:groups, which API Gateway flattens from a JSON array to "[a b]".
func groups(claim string) []string {
	return strings.Fields(strings.Trim(claim, "[]"))
}

func jsonResponse(status int, body any) (events.APIGatewayV2HTTPResponse, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(b),
	}, nil
}
