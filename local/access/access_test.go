package access

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/iam"
)

func testRequest() *check.Request {
	return &check.Request{Region: "us-east-1", AccountID: "123456789012", APIID: "abcd1234ef", Stage: "prod",
		Method: "GET", Path: "/pets/7", SourceIP: netip.MustParseAddr("127.0.0.2")}
}

func TestCombine(t *testing.T) {
	allow := &iam.Decision{Effect: iam.Allow, Reason: "statement #0"}
	silent := &iam.Decision{Effect: iam.ImplicitDeny, Reason: "no statement allows"}
	deny := &iam.Decision{Effect: iam.Deny, Reason: "statement #1"}
	lambda := func(e iam.Effect) Authorizer {
		return Authorizer{Kind: LambdaAuthorizer, Name: "TokenAuth", Decision: iam.Decision{Effect: e, Reason: "cached"}}
	}
	token := Authorizer{Kind: TokenAuthorizer, Name: "Pool"}
	const explicit, implicit = "explicit", "implicit"
	tests := []struct {
		name     string
		resource *iam.Decision
		auth     Authorizer
		want     string // "" allow, else explicit or implicit
		by       string
	}{
		{"no policy, no authorizer", nil, Authorizer{}, "", ""},
		{"policy Allow, no authorizer", allow, Authorizer{}, "", ""},
		{"policy silent, no authorizer", silent, Authorizer{}, implicit, "resource policy"},
		{"policy Deny, no authorizer", deny, Authorizer{}, explicit, "resource policy"},
		{"no policy, Lambda Allow", nil, lambda(iam.Allow), "", ""},
		{"no policy, Lambda silent", nil, lambda(iam.ImplicitDeny), implicit, "authorizer TokenAuth"},
		{"no policy, Lambda Deny", nil, lambda(iam.Deny), explicit, "authorizer TokenAuth"},
		{"policy Allow, Lambda Allow", allow, lambda(iam.Allow), "", ""},
		{"policy Allow, Lambda silent", allow, lambda(iam.ImplicitDeny), "", ""},
		{"policy Allow, Lambda Deny", allow, lambda(iam.Deny), explicit, "authorizer TokenAuth"},
		{"policy silent, Lambda Allow", silent, lambda(iam.Allow), "", ""},
		{"policy silent, Lambda silent", silent, lambda(iam.ImplicitDeny), implicit, "authorizer TokenAuth"},
		{"policy silent, Lambda Deny", silent, lambda(iam.Deny), explicit, "authorizer TokenAuth"},
		{"policy Deny, Lambda Allow", deny, lambda(iam.Allow), explicit, "resource policy"},
		{"policy Deny, Lambda Deny", deny, lambda(iam.Deny), explicit, "resource policy"},
		{"no policy, Cognito valid", nil, token, "", ""},
		{"policy Allow, Cognito valid", allow, token, "", ""},
		{"policy silent, Cognito valid (stricter reading)", silent, token, implicit, "resource policy"},
		{"policy Deny, Cognito valid", deny, token, explicit, "resource policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Combine(testRequest(), tt.resource, tt.auth)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Combine = %v, want allow", err)
				}
				return
			}
			var d *check.Denial
			if !errors.As(err, &d) {
				t.Fatalf("Combine = %v, want a *check.Denial", err)
			}
			if d.Status != http.StatusForbidden || d.By != tt.by || d.Type != "AccessDeniedException" {
				t.Errorf("denial = %d by %q, want 403 by %q", d.Status, d.By, tt.by)
			}
			if got := strings.HasSuffix(d.Message, "with an explicit deny"); got != (tt.want == explicit) {
				t.Errorf("message %q: explicit = %v, want %v", d.Message, got, tt.want == explicit)
			}
		})
	}
}

func TestPreAuthorizeStopsOnlyExplicitDeny(t *testing.T) {
	r := testRequest()
	err := PreAuthorize(r, &iam.Decision{Effect: iam.Deny, Reason: "statement #1"})
	var d *check.Denial
	if !errors.As(err, &d) {
		t.Fatalf("PreAuthorize(Deny) = %v, want a denial", err)
	}
	want := `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/GET/pets/7 with an explicit deny"}`
	if string(d.Body()) != want {
		t.Errorf("Body = %s, want %s", d.Body(), want)
	}
	if s := d.String(); !strings.Contains(s, "403 Forbidden by resource policy: explicit Deny: statement #1") {
		t.Errorf("log line = %q", s)
	}
	for _, e := range []iam.Effect{iam.Allow, iam.ImplicitDeny} {
		if err := PreAuthorize(r, &iam.Decision{Effect: e}); err != nil {
			t.Errorf("PreAuthorize(%v) = %v, want nil (the authorizer still runs)", e, err)
		}
	}
}

func TestEvaluateResourcePolicy(t *testing.T) {
	r := testRequest()
	if d := EvaluateResourcePolicy(nil, r); d != nil {
		t.Errorf("public API without policy: %v, want nil", d)
	}
	r.Private = true
	if d := EvaluateResourcePolicy(nil, r); d == nil || d.Effect != iam.ImplicitDeny {
		t.Errorf("private API without policy: %v, want implicit deny", d)
	}
	p, err := iam.ParseResourcePolicy([]byte(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}`),
		iam.Scope{Region: r.Region, Account: r.AccountID, APIID: r.APIID})
	if err != nil {
		t.Fatal(err)
	}
	r.VpceID = "vpce-1"
	if d := EvaluateResourcePolicy(p, r); d == nil || d.Effect != iam.Allow {
		t.Errorf("through the endpoint: %v, want Allow", d)
	}
	r.VpceID = "vpce-2"
	if d := EvaluateResourcePolicy(p, r); d == nil || d.Effect != iam.Deny {
		t.Errorf("through another endpoint: %v, want Deny", d)
	}
}
