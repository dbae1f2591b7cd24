package gateway_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
	"github.com/portico-dev/portico/local/internal/eventkeys"
)

// iamGateway serves the fixture assembly, changed by edits, admitting every request to a route
// with AWS_IAM authorization (REST GET /secure, HTTP GET /private) as signed by eventkeys.RoleSession.
func iamGateway(t *testing.T, rec *recorder, edits ...func(*assembly.Assembly)) *gateway.Server {
	t.Helper()
	guard := accessFunc(func(tg access.Target) (access.Guard, error) {
		if tg.AuthorizationType != "AWS_IAM" {
			return nil, nil
		}
		return func(context.Context, *check.Request) (*access.Grant, error) {
			caller := eventkeys.RoleSession
			return &access.Grant{Caller: &caller}, nil
		}, nil
	})
	return gateway.New(editedFixture(t, edits...), rec.invoker(), gateway.Options{Access: guard})
}

// checkIdentityV1 checks requestContext.identity of a payload 1.0 event of eventkeys.RoleSession: caller
// and user its unique id, userArn its assumed-role ARN, accessKey and accountId filled,
// principalOrgId and the cognito keys null, as API Gateway sends them for an IAM caller of a
// REST API ("AWS API Gateway REST Lambda Integration Payloads",
// blog.daringkoala.com/posts/apigw-lambda-integration-payloads, recorded on AWS in 2023; the
// AWS_IAM example of "API Gateway mapping template and access logging variable reference").
func checkIdentityV1(t *testing.T, ev map[string]any) {
	t.Helper()
	id := func(k string) any { v, _ := eventkeys.Lookup(ev, "requestContext.identity."+k); return v }
	checkFields(t, []field{
		{"identity.accessKey", id("accessKey"), eventkeys.RoleSession.AccessKey},
		{"identity.accountId", id("accountId"), eventkeys.RoleSession.AccountID},
		{"identity.caller", id("caller"), "AROAPORTICOEXAMPLE01:portico"},
		{"identity.user", id("user"), "AROAPORTICOEXAMPLE01:portico"},
		{"identity.userArn", id("userArn"), "arn:aws:sts::123456789012:assumed-role/Notifier/portico"},
	})
	for _, k := range []string{"principalOrgId", "cognitoAuthenticationProvider", "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId"} {
		checkNull(t, ev, "requestContext.identity."+k)
	}
}

func TestEventV1IAMCaller(t *testing.T) {
	rec := &recorder{payload: `{"statusCode":200}`}
	if r := call(t, iamGateway(t, rec), "GET", "/"+restID+"/prod/secure", nil); r.status != 200 {
		t.Fatalf("status %d %s, want 200", r.status, r.body)
	}
	ev := eventJSON(t, rec)
	checkIdentityV1(t, ev)
	// IAM authorization is no authorizer: the key stays out, as on any method without one
	// (test_apigateway_lambda.snapshot.json of localstack/localstack; the daringkoala capture).
	checkAbsent(t, ev, "requestContext.authorizer")
}

// TestEventHTTPPayload10IAMCaller checks an HTTP API payload 1.0 event of an IAM caller. No
// capture of one was found: Portico fills requestContext.identity as a REST API does, the
// payload 1.0 format being the REST one, and keeps authorizer {"claims": null, "scopes": null}
// of a route without a JWT authorizer (README, Known differences).
func TestEventHTTPPayload10IAMCaller(t *testing.T) {
	rec := &recorder{payload: `{"statusCode":200}`}
	if r := call(t, iamGateway(t, rec, withPayload10("GET /private")), "GET", "/"+httpID+"/dev/private", nil); r.status != 200 {
		t.Fatalf("status %d %s, want 200", r.status, r.body)
	}
	ev := eventJSON(t, rec)
	checkIdentityV1(t, ev)
	checkNull(t, ev, "requestContext.authorizer.claims", "requestContext.authorizer.scopes")
}

// TestEventV2IAMCaller checks requestContext.authorizer.iam of an HTTP API payload 2.0 event
// against the events recorded on AWS in swift-server/swift-aws-lambda-events,
// Tests/AWSLambdaEventsTests/APIGateway+V2IAMTests.swift (getEventWithIAM, an IAM user; the
// same shape for an assumed role in the getEventWithIAMAndCognito event): callerId and userId
// the caller's unique id, userArn its ARN, cognitoIdentity null for keys not issued by a Cognito
// identity pool, principalOrgId "aws:PrincipalOrgID"; and its key paths against aws-lambda-go's
// events/testdata/apigw-v2-request-iam.json.
func TestEventV2IAMCaller(t *testing.T) {
	rec := &recorder{payload: `{"statusCode":200}`}
	// The request of the capture: cookies, a query and a body.
	h := http.Header{"Cookie": {"cookie1; cookie2"}}
	if r := call(t, iamGateway(t, rec), "GET", "/"+httpID+"/dev/private?parameter1=value1&parameter1=value2&parameter2=value", h, []byte("{\r\n\t\"a\": 1\r\n}")...); r.status != 200 {
		t.Fatalf("status %d %s, want 200", r.status, r.body)
	}
	ev := eventJSON(t, rec)
	iam := func(k string) any { v, _ := eventkeys.Lookup(ev, "requestContext.authorizer.iam."+k); return v }
	checkFields(t, []field{
		{"iam.accessKey", iam("accessKey"), eventkeys.RoleSession.AccessKey},
		{"iam.accountId", iam("accountId"), eventkeys.RoleSession.AccountID},
		{"iam.callerId", iam("callerId"), "AROAPORTICOEXAMPLE01:portico"},
		{"iam.userId", iam("userId"), "AROAPORTICOEXAMPLE01:portico"},
		{"iam.userArn", iam("userArn"), "arn:aws:sts::123456789012:assumed-role/Notifier/portico"},
		{"iam.principalOrgId", iam("principalOrgId"), "aws:PrincipalOrgID"},
	})
	checkNull(t, ev, "requestContext.authorizer.iam.cognitoIdentity")
	checkAbsent(t, ev, "requestContext.authorizer.jwt", "requestContext.authorizer.lambda")
	allow := map[string]string{
		"requestContext.authorizer.iam.cognitoIdentity.amr":            "null without Cognito identity pool keys (APIGateway+V2IAMTests.swift, getEventWithIAM)",
		"requestContext.authorizer.iam.cognitoIdentity.amr[]":          "null without Cognito identity pool keys",
		"requestContext.authorizer.iam.cognitoIdentity.identityId":     "null without Cognito identity pool keys",
		"requestContext.authorizer.iam.cognitoIdentity.identityPoolId": "null without Cognito identity pool keys",
		"pathParameters": "GET /private has no path parameters",
	}
	for _, p := range []string{"", ".clientCert", ".clientCert.clientCertPem", ".clientCert.issuerDN", ".clientCert.serialNumber",
		".clientCert.subjectDN", ".clientCert.validity", ".clientCert.validity.notAfter", ".clientCert.validity.notBefore"} {
		allow["requestContext.authentication"+p] = "mutual TLS only"
	}
	eventkeys.Check(t, "apigw-v2-request-iam.json", rec.last(t, nil).Payload, eventkeys.FreeFormV2, allow)
}
