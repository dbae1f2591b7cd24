package access_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/authorizer"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/iam"
	"github.com/portico-dev/portico/local/access/usage"
	"github.com/portico-dev/portico/local/invoke"
)

// stubRuntime answers every authorizer invocation with a policy for GET /orders only.
type stubRuntime struct{}

func (stubRuntime) Invoke(context.Context, invoke.Call) (*invoke.Result, error) {
	return &invoke.Result{Payload: []byte(`{"principalId":"alice","usageIdentifierKey":"alice-key-0123456789abcdef","policyDocument":{"Statement":[
		{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/orders"}]}}`)}, nil
}

// The order in which the gateway applies the pieces to a REST request.
func Example() {
	resourcePolicy, _ := iam.ParseResourcePolicy([]byte(`{"Statement":{"Effect":"Deny","Principal":"*",
		"Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.0/24"}}}}`),
		iam.Scope{Region: "us-east-1", Account: "123456789012", APIID: "api1"})
	authorizer, _ := authorizer.NewLambda(authorizer.LambdaConfig{Name: "Auth", Function: "AuthFn", Protocol: authorizer.REST, Type: authorizer.TypeToken,
		IdentitySources: []string{"method.request.header.Authorization"}}, stubRuntime{}, nil)
	limiter, _ := usage.New(usage.Config{
		Keys:  []usage.Key{{ID: "k1", Name: "alice", Value: "alice-key-0123456789abcdef"}},
		Plans: []usage.Plan{{Name: "Basic", Throttle: &usage.Throttle{RateLimit: 10, BurstLimit: 1}, Stages: []usage.PlanStage{{APIID: "api1", Stage: "prod"}}, KeyIDs: []string{"k1"}}},
	})

	serve := func(path string) error {
		r := &check.Request{Region: "us-east-1", AccountID: "123456789012", APIID: "api1", Stage: "prod",
			Method: "GET", Path: path, ResourcePath: path, Headers: http.Header{"Authorization": {"token"}},
			SourceIP: netip.MustParseAddr("127.0.0.9")}
		resource := access.EvaluateResourcePolicy(resourcePolicy, r)
		if err := access.PreAuthorize(r, resource); err != nil { // explicit Deny: the authorizer never runs
			return err
		}
		res, err := authorizer.Authorize(context.Background(), r)
		if err != nil {
			return err
		}
		if err := access.Combine(r, resource, access.Authorizer{Kind: access.LambdaAuthorizer, Name: res.Name, Decision: res.Decision}); err != nil {
			return err
		}
		_, err = limiter.Admit(usage.Request{APIID: r.APIID, Stage: r.Stage, ResourcePath: r.ResourcePath, Method: r.Method,
			APIKeyRequired: true, KeySource: usage.FromAuthorizer, AuthorizerKey: res.UsageIdentifierKey})
		return err
	}
	for _, path := range []string{"/orders", "/admin", "/orders"} {
		var d *check.Denial
		if err := serve(path); errors.As(err, &d) {
			fmt.Printf("GET %s: %d %s\n", path, d.Status, d.Body())
		} else {
			fmt.Printf("GET %s: allowed\n", path)
		}
	}
	// Output:
	// GET /orders: allowed
	// GET /admin: 403 {"message":"User is not authorized to access this resource"}
	// GET /orders: 429 {"message":"Too Many Requests"}
}
