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

// notSent are the paths of apigw-request.json that API Gateway leaves out of the event of the
// test's request (no authorizer, no API key required, no mutual TLS): the REST events recorded on
// AWS in localstack/localstack tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json
// (test_lambda_aws_proxy_integration, 2024) have no requestContext.authorizer and neither
// apiKey, apiKeyId nor clientCert in requestContext.identity, where the older apigw-request.json
// fills them with placeholders ("theApiKey"); the newer capture wins. apiKey and apiKeyId appear when a usage plan admits the
// request with a key; clientCert and its children only on custom domains with mutual TLS, which
// Portico does not serve.
var notSent = map[string]string{
	"requestContext.authorizer":                             "sent only when the method has an authorizer",
	"requestContext.identity.apiKey":                        "sent only when the method requires an API key",
	"requestContext.identity.apiKeyId":                      "sent only when the method requires an API key",
	"requestContext.identity.clientCert":                    "mutual TLS only",
	"requestContext.identity.clientCert.clientCertPem":      "mutual TLS only",
	"requestContext.identity.clientCert.issuerDN":           "mutual TLS only",
	"requestContext.identity.clientCert.serialNumber":       "mutual TLS only",
	"requestContext.identity.clientCert.subjectDN":          "mutual TLS only",
	"requestContext.identity.clientCert.validity":           "mutual TLS only",
	"requestContext.identity.clientCert.validity.notAfter":  "mutual TLS only",
	"requestContext.identity.clientCert.validity.notBefore": "mutual TLS only",
}

// withoutMutualTLS adds to allow the paths of requestContext.authentication, which the payload
// 2.0 captures carry for a mutual TLS client certificate: without one the cloud leaves the block
// out, and Portico serves no mutual TLS.
func withoutMutualTLS(allow map[string]string) map[string]string {
	out := map[string]string{}
	maps.Copy(out, allow)
	for _, p := range []string{"", ".clientCert", ".clientCert.clientCertPem", ".clientCert.issuerDN", ".clientCert.serialNumber",
		".clientCert.subjectDN", ".clientCert.validity", ".clientCert.validity.notAfter", ".clientCert.validity.notBefore"} {
		out["requestContext.authentication"+p] = "mutual TLS only"
	}
	return out
}

func TestEventV1KeyPaths(t *testing.T) {
	// The request of the capture: a POST to a {proxy+} resource with a query and a JSON body.
	h := http.Header{"Accept": {"*/*"}, "Content-Type": {"application/json"}, "User-Agent": {"PostmanRuntime/2.4.5"}}
	r := do(t, "POST", restURL("prod", "/hello/world?name=me"), h, []byte("{\r\n\t\"a\": 1\r\n}"))
	eventkeys.Check(t, "apigw-request.json", decodeEcho(t, r, nil).Event, eventkeys.FreeFormV1, notSent)
}

func TestEventV2KeyPaths(t *testing.T) {
	// The capture on AWS (curl on a $default route) and the documented full request (cookies,
	// query, path parameter, stage variables, body) of the Lambda authorizer fixture, whose
	// authorizer paths TestEventV2AuthorizerKeyPaths checks on routes that have one.
	h := http.Header{"Accept": {"*/*"}, "Content-Type": {"application/json"}, "User-Agent": {"curl/7.58.0"}, "Cookie": {"cookie1=1; cookie2=2"}}
	r := do(t, "GET", httpURL("/dev/items/7?parameter1=value1&parameter1=value2&parameter2=value"), h, []byte("{\r\n\t\"a\": 1\r\n}"))
	ev := decodeEcho(t, r, nil).Event
	eventkeys.Check(t, "apigw-v2-request-no-authorizer.json", ev, eventkeys.FreeFormV2, withoutMutualTLS(nil))
	eventkeys.Check(t, "apigw-v2-request-lambda-authorizer.json", ev, eventkeys.FreeFormV2, withoutMutualTLS(map[string]string{
		"requestContext.authorizer":        "the route has no authorizer: the cloud then sends none (apigw-v2-request-no-authorizer.json)",
		"requestContext.authorizer.lambda": "the route has no authorizer",
	}))
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
			eventkeys.Check(t, tt.fixture, decodeEcho(t, r, nil).Event, eventkeys.FreeFormV2, withoutMutualTLS(notInRequest))
		})
	}
}
