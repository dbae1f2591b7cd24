package iam

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

var scope = Scope{Region: "us-east-1", Account: "123456789012", APIID: "abcd1234ef"}

const arnPrefix = "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef"

// seedPolicy is the seed's example: one CIDR allowed, one cross-account role allowed.
const seedPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "FromOffice", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/*",
     "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::098765432109:role/MyRole"},
     "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/*"}
  ]
}`

// privatePolicy is the canonical private API policy: allow all, deny unless the VPC endpoint matches.
const privatePolicy = `{
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
    {"Sid": "OnlyFromEndpoint", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}
  ]
}`

func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := ParseResourcePolicy([]byte(doc), scope)
	if err != nil {
		t.Fatalf("ParseResourcePolicy: %v", err)
	}
	return p
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestEvaluate(t *testing.T) {
	get := arnPrefix + "/prod/GET/pets"
	tests := []struct {
		name   string
		policy string
		req    Request
		want   Effect
		reason string // substring of the explanation
	}{
		{"seed: allowed CIDR", seedPolicy, Request{Resource: get, SourceIP: addr("203.0.113.7")}, Allow, `Sid "FromOffice"`},
		{"seed: other address", seedPolicy, Request{Resource: get, SourceIP: addr("198.51.100.7")}, ImplicitDeny, `IpAddress aws:SourceIp ["203.0.113.0/24"] (request: 198.51.100.7) not met`},
		{"seed: cross-account role", seedPolicy, Request{Resource: get, SourceIP: addr("198.51.100.7"), PrincipalARN: "arn:aws:iam::098765432109:role/MyRole"}, Allow, "statement #1"},
		{"seed: other role", seedPolicy, Request{Resource: get, PrincipalARN: "arn:aws:iam::098765432109:role/Other"}, ImplicitDeny, "principal does not match caller arn:aws:iam::098765432109:role/Other"},
		{"seed: IPv4-mapped IPv6 source", seedPolicy, Request{Resource: get, SourceIP: addr("::ffff:203.0.113.9")}, Allow, "FromOffice"},
		{"private: right endpoint", privatePolicy, Request{Resource: get, SourceVpce: "vpce-1a2b3c4d"}, Allow, "#0"},
		{"private: other endpoint", privatePolicy, Request{Resource: get, SourceVpce: "vpce-9999"}, Deny, `Sid "OnlyFromEndpoint"`},
		{"private: no endpoint (negated operator on absent key holds)", privatePolicy, Request{Resource: get}, Deny, "request: absent"},
		{"short form covers other API? no", privatePolicy, Request{Resource: "arn:aws:execute-api:us-east-1:123456789012:otherapi/prod/GET/pets", SourceVpce: "vpce-1a2b3c4d"}, ImplicitDeny, "resource not covered"},
		{"short form stage/method scoped", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/pets/*"}}`,
			Request{Resource: arnPrefix + "/prod/GET/pets/7"}, Allow, ""},
		{"short form other method", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/pets/*"}}`,
			Request{Resource: arnPrefix + "/prod/POST/pets/7"}, ImplicitDeny, "resource not covered"},
		{"? wildcard", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/pet?"}}`,
			Request{Resource: arnPrefix + "/prod/GET/pets"}, Allow, ""},
		{"action wildcard, any case", `{"Statement":{"Effect":"Allow","Principal":"*","Action":["s3:*","EXECUTE-API:inv*"],"Resource":"*"}}`,
			Request{Resource: get}, Allow, ""},
		{"other action", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:ManageConnections","Resource":"*"}}`,
			Request{Resource: get}, ImplicitDeny, "action execute-api:Invoke not covered"},
		{"NotAction", `{"Statement":{"Effect":"Deny","Principal":"*","NotAction":"execute-api:ManageConnections","Resource":"*"}}`,
			Request{Resource: get}, Deny, ""},
		{"NotResource excludes health", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","NotResource":"execute-api:/*/GET/health"}]}`,
			Request{Resource: arnPrefix + "/prod/GET/health"}, Allow, ""},
		{"NotResource denies the rest", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","NotResource":"execute-api:/*/GET/health"}]}`,
			Request{Resource: get}, Deny, "#1"},
		{"Deny wins over Allow", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.1"]}}}]}`,
			Request{Resource: get, SourceIP: addr("127.0.0.2")}, Deny, `NotIpAddress aws:SourceIp ["10.0.0.0/8" "127.0.0.1"] (request: 127.0.0.2)`},
		{"NotIpAddress single address excluded", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.1"]}}}]}`,
			Request{Resource: get, SourceIP: addr("127.0.0.1")}, Allow, ""},
		{"attack: IPv4-mapped IPv6 address does not escape a NotIpAddress deny", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`,
			Request{Resource: get, SourceIP: addr("::ffff:10.0.0.1")}, Deny, "NotIpAddress"},
		{"attack: wildcard in the request ARN is not a wildcard", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"execute-api:/prod/GET/public"}}`,
			Request{Resource: arnPrefix + "/prod/GET/*"}, ImplicitDeny, "resource not covered"},
		{"VpcSourceIp", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:VpcSourceIp":"127.0.0.0/30"}}}}`,
			Request{Resource: get, VpcSourceIP: addr("127.0.0.3")}, Allow, ""},
		{"IpAddress on absent key fails", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:VpcSourceIp":"127.0.0.0/8"}}}}`,
			Request{Resource: get, SourceIP: addr("127.0.0.3")}, ImplicitDeny, "request: absent"},
		{"IfExists passes on absent key", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}}}`,
			Request{Resource: get}, Allow, ""},
		{"IfExists still checks a present key", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}}}`,
			Request{Resource: get, SourceVpc: "vpc-2"}, ImplicitDeny, "StringEqualsIfExists"},
		{"StringLike", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:SourceVpce":"vpce-1*"}}}}`,
			Request{Resource: get, SourceVpce: "vpce-1abc"}, Allow, ""},
		{"StringNotLike", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:SourceVpc":["vpc-a*","vpc-b*"]}}}]}`,
			Request{Resource: get, SourceVpc: "vpc-b12"}, Allow, ""},
		{"all operators of a statement must hold", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"},"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/8"}}}}`,
			Request{Resource: get, SourceVpc: "vpc-1", VpcSourceIP: addr("127.0.0.1")}, ImplicitDeny, "aws:VpcSourceIp"},
		{"ArnLike on PrincipalArn", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ci-*"}}}}`,
			Request{Resource: get, PrincipalARN: "arn:aws:iam::111122223333:role/ci-deploy"}, Allow, ""},
		{"ArnEquals does not span ARN parts", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/ci-*"}}}}`,
			Request{Resource: get, PrincipalARN: "arn:aws:iam::111122223333:user/role/ci-x"}, ImplicitDeny, "ArnEquals"},
		{"PrincipalAccount from ARN", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}}`,
			Request{Resource: get, PrincipalARN: "arn:aws:iam::111122223333:role/x"}, Allow, ""},
		{"account principal", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":"*","Resource":"*"}}`,
			Request{Resource: get, PrincipalARN: "arn:aws:iam::111122223333:role/x"}, Allow, ""},
		{"account root principal, anonymous caller", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"}}`,
			Request{Resource: get}, ImplicitDeny, "caller anonymous"},
		{"Bool SecureTransport", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}]}`,
			Request{Resource: get}, Deny, `Bool aws:SecureTransport ["false"]`},
		{"empty statement list is silent", `{"Statement":[]}`, Request{Resource: get}, ImplicitDeny, "no statement allows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, tt.policy).Evaluate(tt.req)
			if d.Effect != tt.want {
				t.Fatalf("Effect = %v, want %v (%s)", d.Effect, tt.want, d.Reason)
			}
			if !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to contain %q", d.Reason, tt.reason)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	stmt := func(extra string) string {
		return `{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"` + extra + `}}`
	}
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", `{`, "not valid JSON"},
		{"no Statement", `{"Version":"2012-10-17"}`, "no Statement"},
		{"unknown top element", `{"Statement":[],"Foo":1}`, `"Foo" is not supported`},
		{"unsupported operator", stmt(`,"Condition":{"NumericLessThan":{"aws:SourceIp":"1"}}`), `operator "NumericLessThan" is not supported`},
		{"set operator", stmt(`,"Condition":{"ForAnyValue:StringEquals":{"aws:SourceVpce":"x"}}`), `"ForAnyValue:StringEquals" is not supported`},
		{"unsupported key", stmt(`,"Condition":{"StringEquals":{"aws:Referer":"x"}}`), `condition key "aws:Referer" is not supported`},
		{"IP operator on string key", stmt(`,"Condition":{"IpAddress":{"aws:SourceVpce":"10.0.0.0/8"}}`), "needs an IP address key"},
		{"string operator on bool key", stmt(`,"Condition":{"StringEquals":{"aws:SecureTransport":"true"}}`), "use Bool"},
		{"Bool on IP key", stmt(`,"Condition":{"Bool":{"aws:SourceIp":"true"}}`), "needs a boolean key"},
		{"bad Bool value", stmt(`,"Condition":{"Bool":{"aws:SecureTransport":"yes"}}`), `got "yes"`},
		{"bad CIDR", stmt(`,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}`), `"10.0.0.0/33" is not a CIDR block`},
		{"bad address", stmt(`,"Condition":{"IpAddress":{"aws:SourceIp":"localhost"}}`), `"localhost" is not an IP address`},
		{"policy variable", stmt(`,"Condition":{"StringEquals":{"aws:PrincipalArn":"${aws:username}"}}`), "policy variables are not supported"},
		{"empty values", stmt(`,"Condition":{"StringEquals":{"aws:SourceVpc":[]}}`), "at least one value"},
		{"bad Effect", `{"Statement":{"Effect":"Maybe","Principal":"*","Action":"*","Resource":"*"}}`, `got "Maybe"`},
		{"missing Effect", `{"Statement":{"Principal":"*","Action":"*","Resource":"*"}}`, "the statement has no Effect"},
		{"missing Action", `{"Statement":{"Effect":"Allow","Principal":"*","Resource":"*"}}`, "the statement has no Action (or NotAction)"},
		{"missing Resource", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}`, "the statement has no Resource (or NotResource)"},
		{"missing Principal", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "the statement has no Principal"},
		{"Action and NotAction", stmt(`,"NotAction":"s3:*"`), "cannot have both Action and NotAction"},
		{"Resource and NotResource", stmt(`,"NotResource":"*"`), "cannot have both Resource and NotResource"},
		{"NotPrincipal", stmt(`,"NotPrincipal":{"AWS":"*"}`), `"NotPrincipal" is not supported`},
		{"Service principal", `{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"*","Resource":"*"}}`, `principal type "Service" is not supported`},
		{"bad principal string", `{"Statement":{"Effect":"Allow","Principal":"me","Action":"*","Resource":"*"}}`, `got "me"`},
		{"bad AWS principal", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"*","Resource":"*"}}`, `got "bob"`},
		{"unresolved intrinsic", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":{"Fn::Join":["",["a"]]}}}`, "must be a string or a non-empty list"},
		{"bad resource", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"/prod/GET/x"}}`, `got "/prod/GET/x"`},
		{"too long", `{"Statement":[` + strings.Repeat(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},`, 200) + `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, "at most 8192"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseResourcePolicy([]byte(tt.doc), scope)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseAuthorizerPolicy(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":["` + arnPrefix + `/prod/GET/a"]}]}`
	p, err := ParseAuthorizerPolicy([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Evaluate(Request{Resource: arnPrefix + "/prod/GET/a"}).Effect; got != Allow {
		t.Errorf("GET /a: %v, want Allow", got)
	}
	if got := p.Evaluate(Request{Resource: arnPrefix + "/prod/GET/b"}).Effect; got != ImplicitDeny {
		t.Errorf("GET /b: %v, want implicit deny", got)
	}
	// The short form belongs to resource policies only.
	if _, err := ParseAuthorizerPolicy([]byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"execute-api:/*"}}`)); err == nil {
		t.Error("short-form resource in an authorizer policy was accepted")
	}
}

// BenchmarkEvaluate10 measures a 10-statement policy where only the last statement allows, so
// every statement is examined (target: at most 20 µs per evaluation).
func BenchmarkEvaluate10(b *testing.B) {
	var stmts []string
	for i := range 8 {
		stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/other%d/*","Condition":{"IpAddress":{"aws:SourceIp":["10.%d.0.0/16","192.0.2.0/24"]}}}`, i, i, i))
	}
	stmts = append(stmts,
		`{"Sid":"DenyVpc","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotLikeIfExists":{"aws:SourceVpc":"vpc-*"}}}`,
		`{"Sid":"Office","Effect":"Allow","Principal":"*","Action":"execute-api:*","Resource":"execute-api:/*/GET/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"StringEqualsIfExists":{"aws:PrincipalAccount":"123456789012"}}}`)
	p := mustParse(b, `{"Statement":[`+strings.Join(stmts, ",")+`]}`)
	req := Request{Resource: arnPrefix + "/prod/GET/pets/7", SourceIP: addr("203.0.113.9"), SourceVpc: "vpc-1"}
	if d := p.Evaluate(req); d.Effect != Allow {
		b.Fatalf("benchmark policy: %v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Evaluate(req)
	}
}

// wsDocPolicy is the client policy of "Control access to WebSocket APIs with IAM authorization"
// (apigateway-websocket-control-access-iam.html): Invoke on every route of prod except the
// secret one, and no ManageConnections on any stage.
const wsDocPolicy = `{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["execute-api:Invoke"],"Resource":["arn:aws:execute-api:us-east-1:111122223333:api-id/prod/*"]},
  {"Effect":"Deny","Action":["execute-api:Invoke"],"Resource":["arn:aws:execute-api:us-east-1:111122223333:api-id/prod/secret"]},
  {"Effect":"Deny","Action":["execute-api:ManageConnections"],"Resource":["arn:aws:execute-api:us-east-1:111122223333:api-id/*"]}]}`

// fullAccess is the document of the AWS managed policy AmazonAPIGatewayInvokeFullAccess (AWS
// Managed Policy reference, AmazonAPIGatewayInvokeFullAccess.html, version v2).
const fullAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["execute-api:Invoke","execute-api:ManageConnections"],"Resource":"arn:aws:execute-api:*:*:*"}]}`

func TestIdentityPolicy(t *testing.T) {
	ws := "arn:aws:execute-api:us-east-1:111122223333:api-id"
	tests := []struct {
		name   string
		doc    string
		req    Request
		want   Effect
		reason string
	}{
		{"doc example: a route of prod", wsDocPolicy, Request{Resource: ws + "/prod/sendmessage"}, Allow, "policy p: statement #0"},
		{"doc example: the secret route", wsDocPolicy, Request{Resource: ws + "/prod/secret"}, Deny, "#1"},
		{"doc example: other stage", wsDocPolicy, Request{Resource: ws + "/dev/sendmessage"}, ImplicitDeny, "resource not covered"},
		{"doc example: ManageConnections denied", wsDocPolicy, Request{Action: ActionManageConnections, Resource: ws + "/prod/POST/@connections/{connectionId}"}, Deny, "#2"},
		{"full access: Invoke on any API", fullAccess, Request{Resource: arnPrefix + "/prod/GET/pets"}, Allow, ""},
		{"full access: ManageConnections", fullAccess, Request{Action: ActionManageConnections, Resource: ws + "/prod/POST/@connections/{connectionId}"}, Allow, ""},
		{"action wildcard", `{"Statement":{"Effect":"Allow","Action":"execute-api:*","Resource":"*"}}`, Request{Action: ActionManageConnections, Resource: ws + "/prod/GET/@connections/{connectionId}"}, Allow, ""},
		{"other service only", `{"Statement":{"Effect":"Allow","Action":"logs:*","Resource":"*"}}`, Request{Resource: ws + "/prod/$connect"}, ImplicitDeny, "action execute-api:Invoke not covered"},
		{"NotAction", `{"Statement":{"Effect":"Allow","NotAction":"execute-api:ManageConnections","Resource":"*"}}`, Request{Action: ActionManageConnections, Resource: ws + "/prod/POST/@connections/{connectionId}"}, ImplicitDeny, "not covered"},
		{"NotResource", `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},{"Effect":"Deny","Action":"execute-api:Invoke","NotResource":"arn:aws:execute-api:*:*:api-id/prod/*"}]}`, Request{Resource: ws + "/dev/x"}, Deny, "#1"},
		{"condition on the caller's address", `{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}}`, Request{Resource: ws + "/prod/x", SourceIP: addr("198.51.100.1")}, ImplicitDeny, "aws:SourceIp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseIdentityPolicy("p", []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			d := p.Evaluate(tt.req)
			if d.Effect != tt.want || !strings.Contains(d.Reason, tt.reason) {
				t.Fatalf("= %v, want %v with %q", d, tt.want, tt.reason)
			}
		})
	}
	// IAM refuses a Principal in an identity-based policy ("Policy document should not specify a
	// principal", IAM JSON policy elements: Principal).
	if _, err := ParseIdentityPolicy("p", []byte(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`)); err == nil || !strings.Contains(err.Error(), "cannot name a Principal") {
		t.Errorf("Principal in an identity policy: %v", err)
	}
}

// TestPolicies: across a principal's policies an explicit Deny in any wins over an Allow in
// another ("Policy evaluation logic", IAM User Guide: an explicit deny in any policy overrides
// any allows).
func TestPolicies(t *testing.T) {
	parse := func(name, doc string) *Policy {
		p, err := ParseIdentityPolicy(name, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	allow := parse("allow", fullAccess)
	deny := parse("deny", `{"Statement":{"Effect":"Deny","Action":"execute-api:*","Resource":"*"}}`)
	silent := parse("silent", `{"Statement":{"Effect":"Allow","Action":"logs:*","Resource":"*"}}`)
	req := Request{Resource: arnPrefix + "/prod/GET/pets"}
	for _, tt := range []struct {
		set    Policies
		want   Effect
		reason string
	}{
		{Policies{allow, deny}, Deny, "policy deny"},
		{Policies{silent, allow}, Allow, "policy allow"},
		{Policies{silent}, ImplicitDeny, "policy silent"},
		{nil, ImplicitDeny, "no identity-based policy"},
	} {
		if d := tt.set.Evaluate(req); d.Effect != tt.want || !strings.Contains(d.Reason, tt.reason) {
			t.Errorf("%d policies: %v, want %v with %q", len(tt.set), d, tt.want, tt.reason)
		}
	}
}
