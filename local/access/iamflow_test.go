package access

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/iam"
	"github.com/portico-dev/portico/local/assembly"
)

const (
	apiAccount   = "123456789012"
	otherAccount = "098765432109"
	// partnerRole is the seed's cross-account role (infra/stacks PartnerRoleArn).
	partnerRole = "arn:aws:iam::098765432109:role/MyRole"
	partnerCIDR = "203.0.113.0/24"
)

// fakeVerifier stands in for the SigV4 verifier: the Authorization header names the caller's
// principal ARN; no header is the cloud's missing-token refusal.
type fakeVerifier map[string]*check.Caller

func (f fakeVerifier) Verify(r *http.Request, _ []byte, region string) (*check.Caller, error) {
	if region != "us-east-1" {
		return nil, errors.New("wrong region " + region)
	}
	if c := f[r.Header.Get("Authorization")]; c != nil {
		return c, nil
	}
	return nil, &check.Denial{Status: http.StatusForbidden, Message: "Missing Authentication Token", Type: "MissingAuthenticationTokenException", By: "SigV4"}
}

// roleCaller is a session of a role, as the verifier reports it.
func roleCaller(arn string) *check.Caller {
	parts := strings.SplitN(arn, ":", 6)
	name := strings.TrimPrefix(parts[5], "role/")
	return &check.Caller{AccessKey: "ASIA" + name, AccountID: parts[4], ARN: "arn:aws:sts::" + parts[4] + ":assumed-role/" + name + "/session",
		PrincipalARN: arn, UserID: "AROA" + strings.ToUpper(name) + ":session"}
}

func roleARN(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

func role(name string, managed []string, docs ...string) *assembly.Role {
	r := &assembly.Role{Origin: assembly.Origin{Stack: "App", LogicalID: name, Account: apiAccount, Region: "us-east-1"}, Name: name, ARN: roleARN(apiAccount, name), ManagedPolicyARNs: managed}
	for i, d := range docs {
		r.Policies = append(r.Policies, assembly.NamedPolicy{Name: name + string(rune('0'+i)), Document: []byte(d)})
	}
	return r
}

const (
	invokeAll  = `{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*"}}`
	logsOnly   = `{"Statement":{"Effect":"Allow","Action":"logs:*","Resource":"*"}}`
	denyInvoke = `{"Statement":{"Effect":"Deny","Action":"execute-api:*","Resource":"*"}}`
	manage     = `{"Statement":{"Effect":"Allow","Action":"execute-api:ManageConnections","Resource":"arn:aws:execute-api:us-east-1:123456789012:wsapi/prod/POST/@connections/*"}}`
	// Resource policies naming both accounts, for the table cells.
	rpAllow  = `{"Statement":{"Effect":"Allow","Principal":{"AWS":["123456789012","098765432109"]},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}}`
	rpSilent = `{"Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}}`
	rpDeny   = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":{"AWS":["123456789012","098765432109"]},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
	// rpSeed is the Partner stack's AllowOnly(Cidrs(PartnerCidr), Roles(PartnerRoleArn)), as
	// infra/stacks/partner_test.go pins it.
	rpSeed = `{"Version":"2012-10-17","Statement":[
	  {"Action":"execute-api:Invoke","Effect":"Allow","Principal":"*","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}},
	  {"Action":"execute-api:Invoke","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::098765432109:role/MyRole"},"Resource":"execute-api:/*"},
	  {"Action":"execute-api:Invoke","Effect":"Deny","Principal":"*","Resource":"execute-api:/*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"},"StringNotEquals":{"aws:PrincipalArn":"arn:aws:iam::098765432109:role/MyRole"}}}]}`
)

// iamGate is a gate over REST APIs with each kind of resource policy, an HTTP API and a
// WebSocket API with IAM on $connect, the roles of the same account and, outside the assembly,
// principals of another account with the given assumed policies.
func iamGate(t *testing.T) (*Gate, fakeVerifier) {
	t.Helper()
	origin := assembly.Origin{Stack: "App", Account: apiAccount, Region: "us-east-1"}
	rest := func(id, policy string) *assembly.RestAPI {
		r := &assembly.RestAPI{Origin: origin, ID: id, Name: id, APIKeySource: "HEADER"}
		if policy != "" {
			r.Policy = []byte(policy)
		}
		return r
	}
	ws := &assembly.V2API{Origin: origin, ID: "wsapi", Name: "ws", ProtocolType: "WEBSOCKET",
		Routes: []*assembly.V2Route{{RouteKey: "$connect", AuthorizationType: "AWS_IAM"}}}
	asm := &assembly.Assembly{
		RestAPIs:      []*assembly.RestAPI{rest("rpallow", rpAllow), rest("rpsilent", rpSilent), rest("rpdeny", rpDeny), rest("rpnone", ""), rest("seed", rpSeed)},
		HTTPAPIs:      []*assembly.V2API{{Origin: origin, ID: "httpapi", Name: "h", ProtocolType: "HTTP"}},
		WebSocketAPIs: []*assembly.V2API{ws},
		Roles: []*assembly.Role{
			role("allow", nil, invokeAll), role("silent", []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, logsOnly),
			role("deny", nil, invokeAll, denyInvoke), role("full", []string{"arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess"}),
			role("admin", []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, invokeAll), role("manager", nil, manage),
		},
	}
	file := filepath.Join(t.TempDir(), "outside.json")
	if err := os.WriteFile(file, []byte(`{"`+roleARN(otherAccount, "silent")+`":`+logsOnly+`,"`+roleARN(otherAccount, "deny")+`":`+denyInvoke+`}`), 0o600); err != nil {
		t.Fatal(err)
	}
	outside, err := ReadOutsidePolicies(file)
	if err != nil {
		t.Fatal(err)
	}
	v := fakeVerifier{}
	for _, arn := range []string{roleARN(apiAccount, "allow"), roleARN(apiAccount, "silent"), roleARN(apiAccount, "deny"), roleARN(apiAccount, "full"), roleARN(apiAccount, "admin"),
		roleARN(apiAccount, "manager"), roleARN(otherAccount, "allow"), roleARN(otherAccount, "silent"), roleARN(otherAccount, "deny"), partnerRole} {
		v[arn] = roleCaller(arn)
	}
	root := "arn:aws:iam::" + apiAccount + ":root"
	v[root] = &check.Caller{AccessKey: "AKIAROOT", AccountID: apiAccount, ARN: root, PrincipalARN: root, UserID: apiAccount}
	g := New(Config{Assembly: asm, Verify: v, Outside: outside})
	t.Cleanup(g.Close)
	return g, v
}

// iamRequest is a signed request by principal (an ARN; "" unsigned) to GET /pets on api.
func iamRequest(api, principal, sourceIP string) *check.Request {
	hr := httptest.NewRequest("GET", "/prod/pets", nil)
	if principal != "" {
		hr.Header.Set("Authorization", principal)
	}
	return &check.Request{Region: "us-east-1", AccountID: apiAccount, APIID: api, Stage: "prod", Method: "GET", Path: "/pets",
		Headers: hr.Header, SourceIP: netip.MustParseAddr(sourceIP), HTTP: hr}
}

func guardFor(t *testing.T, g *Gate, api string, rest bool) Guard {
	t.Helper()
	guard, err := g.Guard(Target{APIID: api, REST: rest, Method: "GET", ResourcePath: "/pets", RouteKey: "GET /pets", AuthorizationType: "AWS_IAM"})
	if err != nil {
		t.Fatal(err)
	}
	return guard
}

// The outcomes a table cell ends in, and the 403 body each gives on a REST API.
const (
	allowed          = ""
	resourceExplicit = "resource explicit"
	resourceImplicit = "resource implicit"
	identityExplicit = "identity explicit"
	identityImplicit = "identity implicit"
	forbidden        = "forbidden" // HTTP APIs and WebSocket $connect
)

// checkOutcome asserts that err is the outcome want for caller.
func checkOutcome(t *testing.T, err error, caller *check.Caller, arn, want string) {
	t.Helper()
	if want == allowed {
		if err != nil {
			t.Fatalf("denied: %v, want allowed", err)
		}
		return
	}
	var d *check.Denial
	if !errors.As(err, &d) {
		t.Fatalf("= %v, want a denial (%s)", err, want)
	}
	// The resource-policy bodies: "User: {arn} is not authorized to perform: execute-api:Invoke on
	// resource: {arn}[ with an explicit deny]" (combine.go; the knowledge-center page on
	// cross-account 403s and "Create and attach an API Gateway resource policy", Troubleshoot).
	user := "User: " + caller.ARN + " is not authorized to perform: execute-api:Invoke on resource: " + arn
	body := map[string]string{
		resourceExplicit: `{"Message":"` + user + ` with an explicit deny"}`,
		resourceImplicit: `{"Message":"` + user + `"}`,
		identityExplicit: `{"Message":"` + msgIdentityExplicit + `"}`,
		identityImplicit: `{"Message":"` + msgIdentityImplicit + `"}`,
		// HTTP APIs answer IAM denials 403 {"message":"Forbidden"} (aws/aws-cdk issue #21182,
		// an HTTP API IAM route called without the grant).
		forbidden: `{"message":"Forbidden"}`,
	}[want]
	if d.Status != http.StatusForbidden || string(d.Body()) != body {
		t.Fatalf("denial %d %s, want 403 %s (%s)", d.Status, d.Body(), body, d.Reason)
	}
}

// TestIAMTables runs every cell of Table A (same account) and Table B (cross account) of "How
// API Gateway resource policies affect authorization workflow" (apigateway-authorization-flow.html,
// "Policy evaluation outcome tables"), plus an API without resource policy, on a REST API. Rows:
// the caller's IAM policy; columns: the resource policy. A: Allow/Allow, Allow/Neither,
// Neither/Allow -> Allow; Neither/Neither -> Implicit Deny; any Deny -> Explicit Deny. B:
// only Allow/Allow -> Allow; Neither on either side -> Implicit Deny; any Deny -> Explicit Deny.
func TestIAMTables(t *testing.T) {
	g, v := iamGate(t)
	type row struct{ allow, silent, deny, none string }
	tables := []struct {
		name    string
		account string
		rows    map[string]row // by identity policy: allow, silent, deny
	}{
		{"Table A (same account)", apiAccount, map[string]row{
			"allow":  {allowed, allowed, resourceExplicit, allowed},
			"silent": {allowed, identityImplicit, resourceExplicit, identityImplicit},
			"deny":   {identityExplicit, identityExplicit, resourceExplicit, identityExplicit},
		}},
		{"Table B (cross account)", otherAccount, map[string]row{
			"allow":  {allowed, resourceImplicit, resourceExplicit, resourceImplicit},
			"silent": {identityImplicit, identityImplicit, resourceExplicit, identityImplicit},
			"deny":   {identityExplicit, identityExplicit, resourceExplicit, identityExplicit},
		}},
	}
	for _, tb := range tables {
		for identity, r := range tb.rows {
			principal := roleARN(tb.account, identity)
			for api, want := range map[string]string{"rpallow": r.allow, "rpsilent": r.silent, "rpdeny": r.deny, "rpnone": r.none} {
				t.Run(tb.name+"/IAM "+identity+"/resource "+api, func(t *testing.T) {
					req := iamRequest(api, principal, "198.51.100.7")
					grant, err := guardFor(t, g, api, true)(context.Background(), req)
					checkOutcome(t, err, v[principal], req.MethodARN(), want)
					if want == allowed && (grant.Caller == nil || grant.Caller.PrincipalARN != principal) {
						t.Errorf("grant caller = %+v, want %s", grant.Caller, principal)
					}
				})
			}
		}
	}
}

// TestIAMSeedPolicy: the Partner stack's policy (the seed's example with an explicit Deny for
// everyone outside the CIDR who is not the partner's role) with the partner's role, which is
// outside the assembly and assumed (by default) to allow execute-api:Invoke, and a role of the
// API's account. Table B: the role's Allow and the resource policy's Allow (statement #1) ->
// Allow from any address; Table A: inside the CIDR statement #0 allows, outside it statement #2
// denies explicitly.
func TestIAMSeedPolicy(t *testing.T) {
	g, v := iamGate(t)
	guard := guardFor(t, g, "seed", true)
	tests := []struct {
		name, principal, ip, want, reason string
	}{
		{"partner role outside the CIDR", partnerRole, "198.51.100.7", allowed, ""},
		{"partner role inside the CIDR", partnerRole, "203.0.113.9", allowed, ""},
		{"same-account role inside the CIDR", roleARN(apiAccount, "allow"), "203.0.113.9", allowed, ""},
		{"same-account role outside the CIDR", roleARN(apiAccount, "allow"), "198.51.100.7", resourceExplicit, "#2"},
		{"another cross-account role inside the CIDR (statement #0 names Principal *)", roleARN(otherAccount, "allow"), "203.0.113.9", allowed, ""},
		{"another cross-account role outside the CIDR", roleARN(otherAccount, "allow"), "198.51.100.7", resourceExplicit, "#2"},
		{"a cross-account role whose assumed policy is silent", roleARN(otherAccount, "silent"), "203.0.113.9", identityImplicit, "Table B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := iamRequest("seed", tt.principal, tt.ip)
			_, err := guard(context.Background(), req)
			checkOutcome(t, err, v[tt.principal], req.MethodARN(), tt.want)
			var d *check.Denial
			if errors.As(err, &d) && !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("reason %q, want it to name %q", d.Reason, tt.reason)
			}
		})
	}
}

// TestIAMWithoutResourcePolicy: HTTP APIs and WebSocket $connect have no resource policy: the
// identity-based policy decides alone, and a caller of another account is refused even when its
// own policy allows (APIGW facts; knowledge-center "api-gateway-cross-account-403": HTTP API
// callers assume a role in the API's account).
func TestIAMWithoutResourcePolicy(t *testing.T) {
	g, v := iamGate(t)
	conn, err := g.WebSocket(g.cfg.Assembly.WebSocketAPIs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !conn.HasAuthorizer() {
		t.Fatal("$connect with AWS_IAM has no authorizer")
	}
	if err := g.WebSocketRoute(g.cfg.Assembly.WebSocketAPIs[0], g.cfg.Assembly.WebSocketAPIs[0].Routes[0]); err != nil {
		t.Fatalf("WebSocketRoute refused AWS_IAM on $connect: %v", err)
	}
	tests := []struct{ principal, want string }{
		{roleARN(apiAccount, "allow"), allowed},
		{roleARN(apiAccount, "full"), allowed}, // AmazonAPIGatewayInvokeFullAccess
		{roleARN(apiAccount, "silent"), forbidden},
		{roleARN(apiAccount, "deny"), forbidden},
		{roleARN(otherAccount, "allow"), forbidden},
		{partnerRole, forbidden},
	}
	for _, tt := range tests {
		t.Run("HTTP "+tt.principal, func(t *testing.T) {
			_, err := guardFor(t, g, "httpapi", false)(context.Background(), iamRequest("httpapi", tt.principal, "203.0.113.9"))
			checkOutcome(t, err, v[tt.principal], "", tt.want)
		})
		t.Run("WebSocket $connect "+tt.principal, func(t *testing.T) {
			req := iamRequest("wsapi", tt.principal, "203.0.113.9")
			req.Method, req.Path, req.RouteKey, req.Region, req.AccountID = "", "", "$connect", "", ""
			authCtx, caller, err := conn.AuthorizeConnect(context.Background(), req)
			checkOutcome(t, err, v[tt.principal], "", tt.want)
			if tt.want == allowed && (authCtx != nil || caller != v[tt.principal]) {
				t.Errorf("context %v, caller %+v; want no authorizer context and the caller", authCtx, caller)
			}
		})
	}
}

// TestIAMRefusals: an unsigned request ends at the signature (the verifier's answer); a role
// attaching an AWS managed policy whose document is not known offline is refused by name, in the
// 403's reason and at start-up; without a verifier, AWS_IAM routes are refused at start-up.
func TestIAMRefusals(t *testing.T) {
	g, _ := iamGate(t)
	guard := guardFor(t, g, "rpallow", true)
	_, err := guard(context.Background(), iamRequest("rpallow", "", "127.0.0.1"))
	var d *check.Denial
	if !errors.As(err, &d) || d.Message != "Missing Authentication Token" {
		t.Errorf("unsigned: %v, want the verifier's refusal", err)
	}
	_, err = guard(context.Background(), iamRequest("rpallow", roleARN(apiAccount, "admin"), "127.0.0.1"))
	if !errors.As(err, &d) || d.Status != http.StatusForbidden || !strings.Contains(d.Reason, "arn:aws:iam::aws:policy/AdministratorAccess, whose document is not known offline") {
		t.Errorf("unknown managed policy: %v", err)
	}
	notices := strings.Join(g.Notices(), "\n")
	for _, want := range []string{"requests signed by arn:aws:iam::123456789012:role/admin are refused (403): role admin of stack App attaches managed policy arn:aws:iam::aws:policy/AdministratorAccess",
		"identity-based policies assumed for principals outside the assembly: arn:aws:iam::098765432109:role/deny, arn:aws:iam::098765432109:role/silent; others: outside the assembly, assumed by default"} {
		if !strings.Contains(notices, want) {
			t.Errorf("notices:\n%s\nwant %q", notices, want)
		}
	}
	bare := New(Config{Assembly: g.cfg.Assembly})
	if _, err := bare.Guard(Target{APIID: "rpallow", REST: true, AuthorizationType: "AWS_IAM"}); err == nil || !strings.Contains(err.Error(), "no SigV4 verifier") {
		t.Errorf("Guard without verifier: %v", err)
	}
	if n := bare.Notices(); len(n) != 2 || !strings.Contains(n[0], "allowing execute-api:Invoke on every resource (default") {
		t.Errorf("default notices = %q", n)
	}
}

// TestOutsidePoliciesFile: bad files are refused with the bad value and what is allowed.
func TestOutsidePoliciesFile(t *testing.T) {
	tests := []struct{ content, want string }{
		{`[]`, "must be a JSON object mapping principal ARNs"},
		{`{"MyRole":{"Statement":[]}}`, `key "MyRole" must be a principal ARN`},
		{`{"*":{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}}`, "policy of *: statement #0: Principal: an identity-based policy cannot name a Principal"},
		{`{"arn:aws:iam::098765432109:role/MyRole":{"Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}}`, `Effect must be "Allow" or "Deny", got "Maybe"`},
	}
	for _, tt := range tests {
		file := filepath.Join(t.TempDir(), "p.json")
		if err := os.WriteFile(file, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadOutsidePolicies(file); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.content, err, tt.want)
		}
	}
	// "*" replaces the default for every other outside principal.
	file := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(file, []byte(`{"*":`+logsOnly+`}`), 0o600); err != nil {
		t.Fatal(err)
	}
	outside, err := ReadOutsidePolicies(file)
	if err != nil {
		t.Fatal(err)
	}
	g := New(Config{Assembly: &assembly.Assembly{}, Outside: outside})
	if d := g.identityOf(roleCaller(partnerRole)).policies.Evaluate(iam.Request{Resource: "arn:aws:execute-api:us-east-1:123456789012:a/prod/GET/x"}); d.Effect != iam.ImplicitDeny {
		t.Errorf("partner role under *: %v, want implicit deny", d)
	}
}

// TestManageConnections: @connections needs execute-api:ManageConnections on
// .../{stage}/{METHOD}/@connections/{connectionId} in the caller's identity-based policy; a
// refusal is 403 AccessDeniedException with the message PostToConnection reports (quoted in
// public issue threads: "User: arn:aws:sts::...:assumed-role/... is not authorized to perform:
// execute-api:ManageConnections on resource: arn:aws:execute-api:...:{apiId}/Prod/POST/@connections/{connectionId}").
func TestManageConnections(t *testing.T) {
	g, v := iamGate(t)
	check1 := g.ManageConnections(g.cfg.Assembly.WebSocketAPIs[0], "prod")
	post := func(principal string) error {
		hr := httptest.NewRequest("POST", "/prod/@connections/abc=", strings.NewReader("hi"))
		hr.Header.Set("Authorization", principal)
		return check1(context.Background(), hr, []byte("hi"), "abc=")
	}
	// The account's root user needs no grant (IAM User Guide, "AWS account root user").
	for _, p := range []string{roleARN(apiAccount, "manager"), roleARN(apiAccount, "full"), "arn:aws:iam::" + apiAccount + ":root"} {
		if err := post(p); err != nil {
			t.Errorf("%s: %v, want allowed", p, err)
		}
	}
	for _, tt := range []struct{ principal, suffix string }{
		{roleARN(apiAccount, "allow"), ""},
		{roleARN(apiAccount, "deny"), " with an explicit deny"},
		{roleARN(otherAccount, "allow"), ""},
	} {
		err := post(tt.principal)
		var d *check.Denial
		want := `{"Message":"User: ` + v[tt.principal].ARN + ` is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:us-east-1:123456789012:wsapi/prod/POST/@connections/{connectionId}` + tt.suffix + `"}`
		if !errors.As(err, &d) || d.Status != http.StatusForbidden || d.Type != "AccessDeniedException" || string(d.Body()) != want {
			t.Errorf("%s: %v, want 403 %s", tt.principal, err, want)
		}
	}
	if err := post(""); err == nil {
		t.Error("unsigned @connections call allowed")
	}
}
