package orders_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/functions/internal/fixture"
	"github.com/portico-dev/portico/functions/orders"
)

// call sends method resource as owner (no owner: no claims) with body and path parameter id.
func call(t *testing.T, h orders.Handler, owner, method, resource, id, body string) events.APIGatewayProxyResponse {
	t.Helper()
	req := fixture.Load[events.APIGatewayProxyRequest](t, "request.json")
	req.HTTPMethod, req.Resource, req.Body = method, resource, body
	req.PathParameters = map[string]string{"id": id}
	req.RequestContext.Authorizer = map[string]any{}
	if owner != "" {
		req.RequestContext.Authorizer["claims"] = map[string]any{"sub": owner}
	}
	resp, err := h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestHandle(t *testing.T) {
	// GIVEN a store with one order of user-1
	h := orders.Handler{Store: &orders.MemoryStore{}}
	if r := call(t, h, "user-1", "POST", "/orders", "", `{"item":"tea","quantity":2}`); r.StatusCode != 201 || !strings.Contains(r.Body, `"id":"1"`) {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	tests := []struct {
		name, owner, method, resource, id, body string
		status                                  int
		bodyHas                                 string
	}{
		{"list own orders", "user-1", "GET", "/orders", "", "", 200, `[{"id":"1","item":"tea","quantity":2,"owner":"user-1"}]`},
		{"others see none", "user-2", "GET", "/orders", "", "", 200, `[]`},
		{"get own order", "user-1", "GET", "/orders/{id}", "1", "", 200, `"item":"tea"`},
		{"another owner's order is not found", "user-2", "GET", "/orders/{id}", "1", "", 404, `order \"1\" not found`},
		{"bad JSON", "user-1", "POST", "/orders", "", `{`, 400, "body must be a JSON order"},
		{"empty item", "user-1", "POST", "/orders", "", `{"quantity":1}`, 400, `item must be 1 to 100 characters, got \"\"`},
		{"quantity too large", "user-1", "POST", "/orders", "", `{"item":"x","quantity":1001}`, 400, "quantity must be 1 to 1000, got 1001"},
		{"no claims", "", "GET", "/orders", "", "", 403, "no caller identity"},
		{"unknown route", "user-1", "DELETE", "/orders/{id}", "1", "", 404, "no route DELETE /orders/{id}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, h, tt.owner, tt.method, tt.resource, tt.id, tt.body)
			if r.StatusCode != tt.status || !strings.Contains(r.Body, tt.bodyHas) || r.Headers["Content-Type"] != "application/json" {
				t.Errorf("got %d %s, want %d with %s", r.StatusCode, r.Body, tt.status, tt.bodyHas)
			}
		})
	}
}

func ExampleHandler_Handle() {
	h := orders.Handler{Store: &orders.MemoryStore{}}
	req := events.APIGatewayProxyRequest{
		HTTPMethod: "POST", Resource: "/orders", Body: `{"item":"coffee beans","quantity":3}`,
		RequestContext: events.APIGatewayProxyRequestContext{Authorizer: map[string]any{"claims": map[string]any{"sub": "user-1"}}},
	}
	resp, _ := h.Handle(context.Background(), req)
	fmt.Println(resp.StatusCode, resp.Body)
	// Output: 201 {"id":"1","item":"coffee beans","quantity":3,"owner":"user-1"}
}

// TestAllowOrigin: with a proxy integration the function itself answers with
// Access-Control-Allow-Origin ("CORS for REST APIs in API Gateway": "your backend is responsible
// for returning the Access-Control-Allow-Origin ... headers"), on every answer, errors included.
func TestAllowOrigin(t *testing.T) {
	const origin = "http://localhost:5173"
	h := orders.Handler{Store: &orders.MemoryStore{}, AllowOrigin: origin}
	for _, r := range []events.APIGatewayProxyResponse{
		call(t, h, "user-1", "GET", "/orders", "", ""),
		call(t, h, "user-1", "GET", "/orders/{id}", "404", ""),
		call(t, h, "", "GET", "/orders", "", ""),
	} {
		if got := r.Headers["Access-Control-Allow-Origin"]; got != origin {
			t.Errorf("%d answer: Access-Control-Allow-Origin %q, want %q", r.StatusCode, got, origin)
		}
	}
	if r := call(t, orders.Handler{Store: &orders.MemoryStore{}}, "user-1", "GET", "/orders", "", ""); r.Headers["Access-Control-Allow-Origin"] != "" {
		t.Errorf("without AllowOrigin: Access-Control-Allow-Origin %q, want none", r.Headers["Access-Control-Allow-Origin"])
	}
}
