// Command authorizer is the Lambda authorizer of the gateway's access fixture: its answer is
// chosen by the token, and it reports how many times this process was invoked (context "n"), so
// end-to-end tests can count cache hits. Tokens (any suffix may follow, to get a distinct cache
// key): "allow-one" (a policy for the methodArn only), "allow-all" (the whole stage), "deny",
// "silent" (a policy naming another resource),
// "unauthorized" (error "Unauthorized"), "boom" (another error), "key:VALUE" (allow-all with
// usageIdentifierKey VALUE). HTTP payload 2.0 events get a simple response.
package main

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/lambda"
)

var invocations atomic.Int64 // per process; the fixture runs one

type event struct {
	Type               string            `json:"type"`
	Version            string            `json:"version"`
	AuthorizationToken string            `json:"authorizationToken"`
	MethodArn          string            `json:"methodArn"`
	RouteArn           string            `json:"routeArn"`
	Headers            map[string]string `json:"headers"`
}

func handle(_ context.Context, ev event) (any, error) {
	n := invocations.Add(1)
	token := ev.AuthorizationToken
	if token == "" {
		token = ev.Headers["authorization"]
		if token == "" {
			token = ev.Headers["Authorization"]
		}
	}
	if ev.Version == "2.0" {
		return map[string]any{"isAuthorized": strings.HasPrefix(token, "allow"), "context": map[string]any{"n": n, "token": token}}, nil
	}
	arn := ev.MethodArn
	// arn:aws:execute-api:region:account:api/stage/METHOD/path -> .../api/stage/*
	parts := strings.SplitN(arn, "/", 3)
	stageWide := strings.Join(parts[:min(2, len(parts))], "/") + "/*"
	effect, resource, key := "Allow", arn, ""
	switch {
	case strings.HasPrefix(token, "allow-one"):
	case strings.HasPrefix(token, "allow-all"):
		resource = stageWide
	case strings.HasPrefix(token, "key:"):
		resource, key = stageWide, strings.TrimPrefix(token, "key:")
	case strings.HasPrefix(token, "deny"):
		effect = "Deny"
	case strings.HasPrefix(token, "silent"):
		resource = arn + "/not-this-one"
	case token == "unauthorized":
		return nil, errors.New("Unauthorized")
	default:
		return nil, errors.New("authorizer failed")
	}
	out := map[string]any{
		"principalId": "user-" + token,
		"policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}}},
		"context": map[string]any{"n": n},
	}
	if key != "" {
		out["usageIdentifierKey"] = key
	}
	return out, nil
}

func main() { lambda.Start(handle) }
