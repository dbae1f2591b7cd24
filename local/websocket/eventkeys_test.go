package websocket

import (
	"maps"
	"testing"

	"github.com/coder/websocket"

	"github.com/portico-dev/portico/local/internal/eventkeys"
)

// aws-lambda-go's $connect fixture, apigw-websocket-request.json, is not a capture alone: its
// multiValueHeaders come from a real upgrade, but resource, path, methods and the identity's
// caller fields are those of the REST capture apigw-request.json, and error, status and
// integrationLatency hold the "*" of the $context logging variables. The message and
// $disconnect fixtures (apigw-websocket-request-send-message.json and
// apigw-websocket-request-disconnect.json, recorded on AWS in 2024) have none of these keys.

// notOnWebSocket are paths of apigw-websocket-request.json that a WebSocket event never has.
var notOnWebSocket = map[string]string{
	"resource":                          "REST resource: a WebSocket API has routes, not resources",
	"path":                              "REST path: the WebSocket path is fixed",
	"httpMethod":                        "REST method: WebSocket routes have none",
	"pathParameters":                    "the path is fixed: WebSocket APIs have no path variables (AWS: WebSocket Lambda REQUEST authorizers)",
	"requestContext.resourceId":         "REST resource",
	"requestContext.resourcePath":       "REST resource",
	"requestContext.httpMethod":         "REST method",
	"requestContext.error":              `$context logging variable ("*" in the fixture), not an event key`,
	"requestContext.status":             `$context logging variable ("*" in the fixture), not an event key`,
	"requestContext.integrationLatency": "$context logging variable, not an event key",
}

// unverifiedOnConnect are paths of apigw-websocket-request.json that the $connect event lacks
// and that no capture of a $connect event settles. TEMPORARY, issue 12: the AWS captures of
// 2024 send neither accountId nor identity fields other than sourceIp and userAgent on message
// and $disconnect, and a $connect upgrade has no body; a $connect capture would confirm them.
var unverifiedOnConnect = map[string]string{
	"body":                                                  "issue 12: an upgrade request has no body",
	"requestContext.accountId":                              "issue 12: absent from the 2024 captures",
	"requestContext.identity.accessKey":                     "issue 12: IAM caller only, absent from the 2024 captures",
	"requestContext.identity.accountId":                     "issue 12: IAM caller only, absent from the 2024 captures",
	"requestContext.identity.caller":                        "issue 12: IAM caller only, absent from the 2024 captures",
	"requestContext.identity.user":                          "issue 12: IAM caller only, absent from the 2024 captures",
	"requestContext.identity.userArn":                       "issue 12: IAM caller only, absent from the 2024 captures",
	"requestContext.identity.apiKey":                        "issue 12: API key only, absent from the 2024 captures",
	"requestContext.identity.apiKeyId":                      "issue 12: API key only, absent from the 2024 captures",
	"requestContext.identity.cognitoIdentityId":             "issue 12: Cognito identity only, absent from the 2024 captures",
	"requestContext.identity.cognitoIdentityPoolId":         "issue 12: Cognito identity only, absent from the 2024 captures",
	"requestContext.identity.cognitoAuthenticationType":     "issue 12: Cognito identity only, absent from the 2024 captures",
	"requestContext.identity.cognitoAuthenticationProvider": "issue 12: Cognito identity only, absent from the 2024 captures",
}

// TestEventKeyPaths checks that the $connect, message and $disconnect events have every key
// path of the events aws-lambda-go captured on AWS (each Check names its fixture file).
func TestEventKeyPaths(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial(t, "?name=me")
	id := connectionID(t, c)
	if got := roundTrip(t, c, "{\r\n\t\"a\": 1\r\n}"); got == "" { // no action: $default
		t.Fatal("no reply from $default")
	}
	if err := c.Close(websocket.StatusGoingAway, ""); err != nil {
		t.Fatal(err)
	}
	h.waitDisconnect(t, id)

	t.Run("$connect", func(t *testing.T) {
		allow := maps.Clone(notOnWebSocket)
		maps.Copy(allow, unverifiedOnConnect)
		eventkeys.Check(t, "apigw-websocket-request.json", h.inv.lastPayload("ConnectFn"), eventkeys.FreeFormV1, allow)
	})
	t.Run("message", func(t *testing.T) {
		eventkeys.Check(t, "apigw-websocket-request-send-message.json", h.inv.lastPayload("DefaultFn"), eventkeys.FreeFormV1, nil)
	})
	t.Run("$disconnect", func(t *testing.T) {
		eventkeys.Check(t, "apigw-websocket-request-disconnect.json", h.inv.lastPayload("DisconnectFn"), eventkeys.FreeFormV1, nil)
	})
}
