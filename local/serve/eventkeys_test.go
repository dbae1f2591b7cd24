package serve_test

import (
	"maps"
	"net/http"
	"testing"

	"github.com/portico-dev/portico/local/internal/eventkeys"
)

// The events the gateway builds must have every key path of the events aws-lambda-go captured
// on AWS (events/testdata of its module, read from the module cache): each eventkeys.Check
// names the fixture file its expected paths come from.

// knownMissing are the paths of apigw-request.json that the REST (payload 1.0) event lacks
// today. TEMPORARY, issue 12: the fix belongs in local/gateway/events.go, (*Exchange).identity
// and eventV1. aws-lambda-go's events.APIGatewayRequestIdentity drops these fields when empty
// (omitempty), while API Gateway sends every identity key, null when the caller has no such
// identity (no IAM or Cognito caller, no API key, no client certificate): the fix is to send
// them as null, not to make values up. Remove an entry when the event gets the key: the check
// fails on an entry that is no longer missing, so the list cannot go stale.
var knownMissing = map[string]string{
	"requestContext.identity.accessKey":                     "issue 12: null unless an IAM caller",
	"requestContext.identity.accountId":                     "issue 12: null unless an IAM caller",
	"requestContext.identity.caller":                        "issue 12: null unless an IAM caller",
	"requestContext.identity.user":                          "issue 12: null unless an IAM caller",
	"requestContext.identity.userArn":                       "issue 12: null unless an IAM caller",
	"requestContext.identity.cognitoAuthenticationProvider": "issue 12: null unless a Cognito identity",
	"requestContext.identity.cognitoAuthenticationType":     "issue 12: null unless a Cognito identity",
	"requestContext.identity.cognitoIdentityId":             "issue 12: null unless a Cognito identity",
	"requestContext.identity.cognitoIdentityPoolId":         "issue 12: null unless a Cognito identity",
	"requestContext.identity.apiKey":                        "issue 12: set only when the method requires a key; null otherwise",
	"requestContext.identity.apiKeyId":                      "issue 12: set only when the method requires a key; null otherwise",
	"requestContext.identity.clientCert":                    "issue 12: null without mutual TLS",
}

// mutualTLSOnly are the paths of apigw-request.json under identity.clientCert: API Gateway
// fills them only on custom domains with mutual TLS, which Portico does not serve; without it
// clientCert is null (see knownMissing), so these paths stay absent for good.
var mutualTLSOnly = []string{
	"requestContext.identity.clientCert.clientCertPem",
	"requestContext.identity.clientCert.issuerDN",
	"requestContext.identity.clientCert.serialNumber",
	"requestContext.identity.clientCert.subjectDN",
	"requestContext.identity.clientCert.validity",
	"requestContext.identity.clientCert.validity.notAfter",
	"requestContext.identity.clientCert.validity.notBefore",
}

func TestEventV1KeyPaths(t *testing.T) {
	allow := maps.Clone(knownMissing)
	for _, p := range mutualTLSOnly {
		allow[p] = "mutual TLS only"
	}
	// The request of the capture: a POST to a {proxy+} resource with a query and a JSON body.
	h := http.Header{"Accept": {"*/*"}, "Content-Type": {"application/json"}, "User-Agent": {"PostmanRuntime/2.4.5"}}
	r := do(t, "POST", restURL("prod", "/hello/world?name=me"), h, []byte("{\r\n\t\"a\": 1\r\n}"))
	eventkeys.Check(t, "apigw-request.json", decodeEcho(t, r, nil).Event, eventkeys.FreeFormV1, allow)
}

func TestEventV2KeyPaths(t *testing.T) {
	// The capture on AWS (curl on a $default route) and the documented full request (cookies,
	// query, path parameter, stage variables, body) of the Lambda authorizer fixture, whose
	// authorizer paths TestEventV2AuthorizerKeyPaths checks on routes that have one.
	h := http.Header{"Accept": {"*/*"}, "Content-Type": {"application/json"}, "User-Agent": {"curl/7.58.0"}, "Cookie": {"cookie1=1; cookie2=2"}}
	r := do(t, "GET", httpURL("/dev/items/7?parameter1=value1&parameter1=value2&parameter2=value"), h, []byte("{\r\n\t\"a\": 1\r\n}"))
	ev := decodeEcho(t, r, nil).Event
	eventkeys.Check(t, "apigw-v2-request-no-authorizer.json", ev, eventkeys.FreeFormV2, nil)
	eventkeys.Check(t, "apigw-v2-request-lambda-authorizer.json", ev, eventkeys.FreeFormV2, map[string]string{
		"requestContext.authorizer":        "the route has no authorizer: the cloud then sends none (apigw-v2-request-no-authorizer.json)",
		"requestContext.authorizer.lambda": "the route has no authorizer",
	})
}

func TestEventV2AuthorizerKeyPaths(t *testing.T) {
	g := startAccess(t)
	// The access fixture's HTTP API has no path parameters, stage variables or bodies on these
	// GET routes; the cloud then omits those keys, as apigw-v2-request-no-authorizer.json shows.
	notInRequest := map[string]string{
		"pathParameters": "no path parameter on the route",
		"stageVariables": "no stage variables on the stage",
		"body":           "GET without a body",
	}
	tests := []struct {
		name, path, token, fixture string
	}{
		{"JWT", "/jwt", "Bearer " + g.accessToken(t, "orders/read"), "apigw-v2-request-jwt-authorizer.json"},
		{"Lambda", "/simple", "allow-simple", "apigw-v2-request-lambda-authorizer.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Authorization": {tt.token}, "Cookie": {"cookie1=1; cookie2=2"}}
			r := getFrom(t, client, g.run.URL+"/"+httpAccessID+tt.path+"?parameter1=value1&parameter2=value", h)
			eventkeys.Check(t, tt.fixture, decodeEcho(t, r, nil).Event, eventkeys.FreeFormV2, notInRequest)
		})
	}
}
