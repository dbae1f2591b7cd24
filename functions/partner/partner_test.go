package partner_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/functions/internal/fixture"
	"github.com/portico-dev/portico/functions/partner"
)

func TestHandle(t *testing.T) {
	request := fixture.Load[events.APIGatewayProxyRequest](t, "request.json")
	h := partner.Handler{Prices: map[string]float64{"ACME": 12.5, "GLOBX": 80.25}}
	tests := []struct {
		name, resource, symbol, principal string
		userArn                           string // requestContext.identity.userArn of an IAM caller
		status                            int
		want                              string
	}{
		{"quote", "/quotes/{symbol}", "ACME", "partner-client-1", "", 200, `{"symbol":"ACME","price":12.5,"partner":"partner-client-1","stage":"prod"}`},
		{"list", "/quotes", "", "partner-client-1", "", 200, `["ACME","GLOBX"]`},
		{"unknown symbol", "/quotes/{symbol}", "NOPE", "p", "", 404, `{"message":"no quote for \"NOPE\""}`},
		{"bad symbol", "/quotes/{symbol}", "acme;", "p", "", 400, `{"message":"symbol must be 1 to 5 capital letters, got \"acme;\""}`},
		{"no partner identity", "/quotes", "", "", "", 403, `{"message":"no partner identity"}`},
		{"unknown route", "/orders", "", "p", "", 404, `{"message":"no route GET /orders"}`},
		// An IAM caller is its ARN; an assumed role's is arn:aws:sts::{account}:assumed-role/{role}/{session}
		// (IAM User Guide, "IAM identifiers": role session ARNs).
		{"IAM quote", "/iam/quotes/{symbol}", "ACME", "", "arn:aws:sts::098765432109:assumed-role/MyRole/partner", 200, `{"symbol":"ACME","price":12.5,"partner":"arn:aws:sts::098765432109:assumed-role/MyRole/partner","stage":"prod"}`},
		{"IAM list", "/iam/quotes", "", "", "arn:aws:sts::098765432109:assumed-role/MyRole/partner", 200, `["ACME","GLOBX"]`},
		{"IAM route ignores an authorizer's principal", "/iam/quotes", "", "p", "", 403, `{"message":"no partner identity"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request
			req.Resource = tt.resource
			req.PathParameters = map[string]string{"symbol": tt.symbol}
			req.RequestContext.Authorizer = map[string]any{"principalId": tt.principal}
			req.RequestContext.Identity.UserArn = tt.userArn
			resp, err := h.Handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || strings.TrimSpace(resp.Body) != tt.want {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, resp.Body, tt.status, tt.want)
			}
		})
	}
}

func ExampleHandler_Handle() {
	h := partner.Handler{Prices: map[string]float64{"ACME": 12.5}}
	resp, _ := h.Handle(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: "GET", Resource: "/quotes/{symbol}", PathParameters: map[string]string{"symbol": "ACME"},
		RequestContext: events.APIGatewayProxyRequestContext{Stage: "prod", Authorizer: map[string]any{"principalId": "p1"}},
	})
	fmt.Println(resp.StatusCode, resp.Body)
	// Output: 200 {"symbol":"ACME","price":12.5,"partner":"p1","stage":"prod"}
}
