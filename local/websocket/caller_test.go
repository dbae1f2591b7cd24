package websocket

import (
	"context"
	"maps"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/internal/eventkeys"
)

// TestIAMCallerInEvents checks that a connection admitted with an IAM caller carries it in
// requestContext.identity of its $connect and message events. No capture of a WebSocket event
// of an IAM caller was found; the expected fields are those of a REST event of the same caller
// ("AWS API Gateway REST Lambda Integration Payloads",
// blog.daringkoala.com/posts/apigw-lambda-integration-payloads, recorded on AWS: caller and
// user the unique id "AROA...:{session}", userArn the assumed-role ARN), and the message events
// carry the identity the connection was opened with, as they carry its sourceIp, userAgent and
// authorizer context (README, Known differences).
func TestIAMCallerInEvents(t *testing.T) {
	var signed *http.Request
	h := newHarness(t, func(cfg *Config) {
		cfg.Authorizer = authorizerFunc(func(_ context.Context, r *check.Request) (map[string]any, *check.Caller, error) {
			signed = r.HTTP
			caller := eventkeys.RoleSession
			return nil, &caller, nil
		})
	})
	c := h.dial(t, "?name=me")
	connectionID(t, c) // a message event, to WhoamiFn

	if signed == nil || signed.Method != http.MethodGet || signed.URL.Path != "/"+testStage || signed.URL.RawQuery != "name=me" {
		t.Errorf("the authorizer got the upgrade as received %v, want GET /%s?name=me (what a signature covers)", signed, testStage)
	}
	connect, _ := h.inv.lastEvent("ConnectFn")
	message, _ := h.inv.lastEvent("WhoamiFn")
	want := events.APIGatewayRequestIdentity{AccessKey: "ASIAPORTICOEXAMPLE01", AccountID: "123456789012",
		Caller: "AROAPORTICOEXAMPLE01:portico", User: "AROAPORTICOEXAMPLE01:portico",
		UserArn: "arn:aws:sts::123456789012:assumed-role/Notifier/portico"}
	for name, ev := range map[string]events.APIGatewayWebsocketProxyRequest{"$connect": connect, "message": message} {
		id := ev.RequestContext.Identity
		id.SourceIP, id.UserAgent = "", "" // the connection's, checked elsewhere
		if id != want {
			t.Errorf("%s identity = %+v, want %+v", name, id, want)
		}
	}
	if connect.RequestContext.Authorizer != nil {
		t.Errorf("$connect authorizer = %v, want none: IAM is no authorizer", connect.RequestContext.Authorizer)
	}

	// The $connect event now has the identity keys of the caller that apigw-websocket-request.json
	// has and TestEventKeyPaths allows to be missing without one.
	allow := maps.Clone(notOnWebSocket)
	maps.Copy(allow, unverifiedOnConnect)
	for _, k := range []string{"accessKey", "accountId", "caller", "user", "userArn"} {
		delete(allow, "requestContext.identity."+k)
	}
	allow["requestContext.authorizer"] = "IAM is no authorizer: no authorizer context"
	eventkeys.Check(t, "apigw-websocket-request.json", h.inv.lastPayload("ConnectFn"), eventkeys.FreeFormV1, allow)
}
