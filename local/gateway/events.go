package gateway

import (
	"encoding/base64"
	"encoding/json"
	"mime"
	"net"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/internal/proxyevent"
)

func nilIfEmpty[M ~map[string]V, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

// body encodes the request body as the event carries it.
func (x *Exchange) body() (string, bool) {
	if len(x.Body) == 0 {
		return "", false
	}
	ct := x.Request.Header.Get("Content-Type")
	binary := false
	if x.API.Kind == REST {
		binary = mediaTypeIn(ct, x.API.BinaryMediaTypes)
	} else {
		binary = !isText(ct) || !utf8.Valid(x.Body)
	}
	if binary {
		return base64.StdEncoding.EncodeToString(x.Body), true
	}
	return string(x.Body), false
}

// mediaTypeIn reports whether the media type of a Content-Type or Accept value (parameters
// dropped, any case) matches a binaryMediaTypes entry: "type/subtype" exactly, "type/*" any
// subtype of type, "*/*" any media type. Other entries with "*" as type match nothing, and a
// wildcard in the value is not expanded: "image/*" matches "image/*" but not "image/png"
// (LocalStack's AWS-run test_apigateway_lambda.py::test_aws_proxy_binary_response).
func mediaTypeIn(value string, types []string) bool {
	split := func(v string) (typ, sub string, ok bool) { // "Type/Sub; p=x" -> "type", "sub"
		v, _, _ = strings.Cut(v, ";")
		typ, sub, ok = strings.Cut(strings.ToLower(strings.TrimSpace(v)), "/")
		return typ, sub, ok && typ != "" && sub != "" && !strings.Contains(sub, "/")
	}
	typ, sub, ok := split(value)
	if !ok {
		return false
	}
	for _, t := range types {
		tt, ts, ok := split(t)
		switch {
		case !ok:
		case tt == "*":
			if ts == "*" {
				return true
			}
		case tt == typ && (ts == "*" || ts == sub):
			return true
		}
	}
	return false
}

// isText is HTTP API's rule for bodies passed as text rather than base64.
func isText(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt == "" {
		return ct == "" // no content type: treated as text
	}
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript", "application/graphql": // not forms: base64 in the cloud (conformance case http-v2/form-urlencoded-body)
		return true
	}
	return false
}

func (x *Exchange) domain() (name, prefix string) {
	name = x.Request.Host
	if h, _, err := net.SplitHostPort(name); err == nil {
		name = h
	}
	prefix, _, _ = strings.Cut(name, ".")
	return name, prefix
}

// eventV1 is the REST (and HTTP payload 1.0) proxy event, as recorded on AWS in
// localstack/localstack tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json
// (test_lambda_aws_proxy_integration): isBase64Encoded false, body null without a body,
// requestContext.deploymentId, the identity keys null, and no authorizer key on a method without
// an authorizer. HTTP API payload 1.0, as "Working with AWS Lambda proxy integrations for HTTP
// APIs" shows it: version "1.0", resourceId null, no deploymentId.
func (x *Exchange) eventV1() ([]byte, error) {
	r := x.Request
	headers, multiHeaders := proxyevent.Flatten(x.headers())
	singleQ, multiQ := proxyevent.Flatten(x.Query)
	body, b64 := x.body()
	domain, prefix := x.domain()
	resource := x.Route.Path
	if x.Route.RouteKey == "$default" {
		resource = "$default"
	}
	ev := eventV1JSON{
		APIGatewayProxyRequest: events.APIGatewayProxyRequest{
			Resource:                        resource,
			Path:                            x.Path,
			HTTPMethod:                      r.Method,
			Headers:                         headers,
			MultiValueHeaders:               multiHeaders,
			QueryStringParameters:           singleQ,
			MultiValueQueryStringParameters: multiQ,
			PathParameters:                  nilIfEmpty(x.PathParams),
			StageVariables:                  nilIfEmpty(x.Stage.Variables),
		},
		IsBase64Encoded: b64,
		RequestContext: contextV1JSON{
			APIGatewayProxyRequestContext: events.APIGatewayProxyRequestContext{
				AccountID:         assembly.DefaultAccount,
				Stage:             x.Stage.Name,
				RequestID:         x.requestID(),
				ExtendedRequestID: x.ExtendedRequestID,
				ResourcePath:      resource,
				HTTPMethod:        r.Method,
				RequestTime:       proxyevent.RequestTime(x.Start),
				RequestTimeEpoch:  x.Start.UnixMilli(),
				APIID:             x.API.ID,
				Path:              x.RawPath,
				Protocol:          r.Proto,
				DomainName:        domain,
				DomainPrefix:      prefix,
			},
			Identity:   x.identity(),
			Authorizer: x.authorizerV1(),
		},
	}
	if len(x.Body) > 0 {
		ev.Body = &body
	}
	if x.API.Kind == REST {
		ev.RequestContext.ResourceID = &x.Route.ResourceID
		ev.RequestContext.DeploymentID = x.Stage.DeploymentID
	} else {
		ev.Version = "1.0"
	}
	return json.Marshal(ev)
}

// eventV1JSON is a payload 1.0 event as the cloud writes it: aws-lambda-go's struct, whose
// omitempty tags drop the nulls and falses the cloud sends, with those fields shadowed by fields
// of the same JSON name (encoding/json writes the shallower field).
type eventV1JSON struct {
	events.APIGatewayProxyRequest
	Version         string        `json:"version,omitempty"` // "1.0" on HTTP APIs only
	Body            *string       `json:"body"`              // null without a body
	IsBase64Encoded bool          `json:"isBase64Encoded"`
	RequestContext  contextV1JSON `json:"requestContext"`
}

type contextV1JSON struct {
	events.APIGatewayProxyRequestContext
	ResourceID   *string        `json:"resourceId"`             // null on HTTP APIs
	DeploymentID string         `json:"deploymentId,omitempty"` // REST only
	Identity     identityV1     `json:"identity"`
	Authorizer   map[string]any `json:"authorizer,omitempty"` // left out without an authorizer
}

// eventV2 is the HTTP API payload 2.0 event: lower-case headers and query values joined by
// commas, cookies split out of the Cookie header.
func (x *Exchange) eventV2() ([]byte, error) {
	r := x.Request
	headers := map[string]string{}
	for k, v := range x.headers() { // lower case already (headerForm httpV2)
		if k != "cookie" {
			headers[k] = strings.Join(v, ",")
		}
	}
	joined := map[string]string{}
	for k, v := range x.Query {
		joined[k] = strings.Join(v, ",")
	}
	body, b64 := x.body()
	domain, prefix := x.domain()
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              x.Route.RouteKey,
		RawPath:               x.RawPath,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               proxyevent.Cookies(r.Header),
		Headers:               headers,
		QueryStringParameters: nilIfEmpty(joined),
		PathParameters:        nilIfEmpty(x.PathParams),
		StageVariables:        nilIfEmpty(x.Stage.Variables),
		Body:                  body,
		IsBase64Encoded:       b64,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     x.Route.RouteKey,
			AccountID:    assembly.DefaultAccount,
			Stage:        x.Stage.Name,
			RequestID:    x.requestID(),
			APIID:        x.API.ID,
			DomainName:   domain,
			DomainPrefix: prefix,
			Time:         proxyevent.RequestTime(x.Start),
			TimeEpoch:    x.Start.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: x.RawPath, Protocol: r.Proto, SourceIP: x.SourceIP, UserAgent: r.UserAgent(),
			},
		},
	}
	return json.Marshal(eventV2JSON{APIGatewayV2HTTPRequest: ev, RequestContext: contextV2JSON{APIGatewayV2HTTPRequestContext: ev.RequestContext, Authorizer: x.authorizerV2()}})
}

// eventV2JSON is a payload 2.0 event without requestContext.authentication: aws-lambda-go writes
// an empty one (a struct, which omitempty keeps); the cloud sends it only with mutual TLS, which
// Portico does not serve (apigw-v2-request-no-authorizer.json has it for a client certificate).
type eventV2JSON struct {
	events.APIGatewayV2HTTPRequest
	RequestContext contextV2JSON `json:"requestContext"`
}

type contextV2JSON struct {
	events.APIGatewayV2HTTPRequestContext
	Authentication *struct{}         `json:"authentication,omitempty"`
	Authorizer     *authorizerV2JSON `json:"authorizer,omitempty"` // left out without an authorizer
}

// authorizerV2JSON is requestContext.authorizer of a payload 2.0 event: a JWT or Lambda
// authorizer's (aws-lambda-go's struct), or the iam block of a route with IAM authorization,
// whose cognitoIdentity aws-lambda-go cannot write as the null the cloud sends.
type authorizerV2JSON struct {
	*events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	IAM *iamV2JSON `json:"iam,omitempty"`
}

// iamV2JSON is requestContext.authorizer.iam, as recorded on AWS for a caller signing with an
// IAM user's and an assumed role's keys (swift-server/swift-aws-lambda-events,
// Tests/AWSLambdaEventsTests/APIGateway+V2IAMTests.swift, getEventWithIAM; and the key set of
// aws-lambda-go's events/testdata/apigw-v2-request-iam.json): callerId and userId are the
// caller's unique id, cognitoIdentity null unless the keys came from a Cognito identity pool,
// and principalOrgId the literal "aws:PrincipalOrgID" in both captures.
type iamV2JSON struct {
	AccessKey       string    `json:"accessKey"`
	AccountID       string    `json:"accountId"`
	CallerID        string    `json:"callerId"`
	CognitoIdentity *struct{} `json:"cognitoIdentity"`
	PrincipalOrgID  string    `json:"principalOrgId"`
	UserARN         string    `json:"userArn"`
	UserID          string    `json:"userId"`
}

// principalOrgIDV2 is what the AWS captures above carry in authorizer.iam.principalOrgId.
const principalOrgIDV2 = "aws:PrincipalOrgID"

// authorizerV2 is requestContext.authorizer of a payload 2.0 event, nil when the route has no
// authorizer.
func (x *Exchange) authorizerV2() *authorizerV2JSON {
	switch {
	case x.Grant == nil:
		return nil
	case x.Grant.Caller != nil:
		c := x.Grant.Caller
		return &authorizerV2JSON{IAM: &iamV2JSON{AccessKey: c.AccessKey, AccountID: c.AccountID, CallerID: c.UserID,
			PrincipalOrgID: principalOrgIDV2, UserARN: c.ARN, UserID: c.UserID}}
	case x.Grant.AuthorizerV2 != nil:
		return &authorizerV2JSON{APIGatewayV2HTTPRequestContextAuthorizerDescription: x.Grant.AuthorizerV2}
	}
	return nil
}

// authorizerV1 is requestContext.authorizer of a payload 1.0 event (nil: the key is left out, as
// on a REST method without an authorizer). An HTTP API route without an authorizer sends
// {"claims": null, "scopes": null} ("Working with AWS Lambda proxy integrations for HTTP APIs",
// payload format 1.0).
func (x *Exchange) authorizerV1() map[string]any {
	switch {
	case x.Grant != nil && x.Grant.Authorizer != nil:
		return x.Grant.Authorizer
	case x.API.Kind == HTTP:
		return map[string]any{"claims": nil, "scopes": nil}
	}
	return nil
}

// identityV1 is requestContext.identity of a payload 1.0 event: the keys the cloud sends as null
// when the request carries no such identity (no IAM or Cognito caller) are always there
// (test_apigateway_lambda.snapshot.json of localstack/localstack, recorded on AWS); apiKey and
// apiKeyId only when a usage plan admitted the request with a key; clientCert only with mutual
// TLS (not served). An IAM caller fills accessKey, accountId, caller, user and userArn, caller
// and user both its unique id ("AIDA..." for a user, "AROA...:{session}" for a role session),
// principalOrgId and the cognito keys staying null: "AWS API Gateway REST Lambda Integration
// Payloads", blog.daringkoala.com/posts/apigw-lambda-integration-payloads (recorded on AWS,
// 2023), and the AWS_IAM example of "API Gateway mapping template and access logging variable
// reference" (awsdocs/amazon-api-gateway-developer-guide).
type identityV1 struct {
	AccessKey                     *string `json:"accessKey"`
	AccountID                     *string `json:"accountId"`
	APIKey                        string  `json:"apiKey,omitempty"`
	APIKeyID                      string  `json:"apiKeyId,omitempty"`
	Caller                        *string `json:"caller"`
	CognitoAuthenticationProvider *string `json:"cognitoAuthenticationProvider"`
	CognitoAuthenticationType     *string `json:"cognitoAuthenticationType"`
	CognitoIdentityID             *string `json:"cognitoIdentityId"`
	CognitoIdentityPoolID         *string `json:"cognitoIdentityPoolId"`
	PrincipalOrgID                *string `json:"principalOrgId"`
	SourceIP                      string  `json:"sourceIp"`
	User                          *string `json:"user"`
	UserAgent                     string  `json:"userAgent"`
	UserArn                       *string `json:"userArn"`
}

func (x *Exchange) identity() identityV1 {
	id := identityV1{SourceIP: x.SourceIP, UserAgent: x.Request.UserAgent()}
	if x.Grant == nil {
		return id
	}
	if x.Grant.APIKey != nil {
		id.APIKey, id.APIKeyID = x.Grant.APIKey.Value, x.Grant.APIKey.ID
	}
	if c := x.Grant.Caller; c != nil {
		id.AccessKey, id.AccountID, id.UserArn = &c.AccessKey, &c.AccountID, &c.ARN
		id.Caller, id.User = &c.UserID, &c.UserID
	}
	return id
}
