package serve_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/serve"
)

// TestExplainIAM: `portico explain --caller ARN` runs the IAM authorization of an AWS_IAM route
// (GET /secure of the fixture's REST API, which has no resource policy) for that principal
// without a signature, and prints each step: the signature skipped, the resource policy, the
// identity-based policy with the deciding statement, and the table cell of "How API Gateway
// resource policies affect authorization workflow" (Table A same account, Table B cross account).
func TestExplainIAM(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside.json")
	if err := os.WriteFile(outside, []byte(`{"arn:aws:iam::123456789012:role/Deployer":{"Statement":{"Sid":"NoApi","Effect":"Deny","Action":"execute-api:*","Resource":"*"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, caller string
		want         []string
	}{
		{"a function's execution role: no execute-api grant (Table A, Neither/Neither: implicit deny)", "arn:aws:iam::123456789012:role/Fixture-HelloServiceRole1E55EA16", []string{
			"signature: skipped, the caller is given (arn:aws:iam::123456789012:role/Fixture-HelloServiceRole1E55EA16)",
			"resource policy: none",
			"identity-based policy of arn:aws:iam::123456789012:role/Fixture-HelloServiceRole1E55EA16 (role Fixture-HelloServiceRole1E55EA16 of stack Fixture): implicit deny: policy HelloServiceRoleDefaultPolicyE150F306: no statement allows",
			"Table A (same account: caller 123456789012, API 123456789012): IAM policy implicit deny, resource policy none -> implicit deny",
			`decision: 403 {"Message":"User is not authorized to access this resource because no identity-based policy allows the execute-api:Invoke action"}`,
		}},
		{"a same-account principal outside the assembly: assumed Allow (Table A, Allow/Neither: Allow)", "arn:aws:sts::123456789012:assumed-role/Ops/alice", []string{
			"identity-based policy of arn:aws:iam::123456789012:role/Ops (outside the assembly, assumed by default: execute-api:Invoke on every resource): Allow: policy assumed for principals outside the assembly: statement #0",
			"Table A (same account: caller 123456789012, API 123456789012): IAM policy Allow, resource policy none -> Allow",
			"decision: allowed",
		}},
		{"the policy the file assumes: explicit Deny", "arn:aws:iam::123456789012:role/Deployer", []string{
			`explicit Deny: policy arn:aws:iam::123456789012:role/Deployer (from ` + outside + `): statement #0 (Sid "NoApi")`,
			`decision: 403 {"Message":"User is not authorized to access this resource with an explicit deny in an identity-based policy"}`,
		}},
		{"the seed's cross-account role: no resource policy lets it in (Table B, Allow/Neither: implicit deny)", "arn:aws:iam::098765432109:role/MyRole", []string{
			"Table B (cross account: caller 098765432109, API 123456789012): IAM policy Allow, resource policy none -> implicit deny",
			`decision: 403 {"Message":"User: arn:aws:iam::098765432109:role/MyRole is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:9v9meb89t8/prod/GET/secure"}`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := serve.Explain(serve.Config{AssemblyDir: fixture, CacheDir: cacheDir, IdentityPolicies: outside},
				serve.ExplainRequest{Method: "GET", Target: "/9v9meb89t8/prod/secure", CallerARN: tt.caller})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(ex.String(), w) {
					t.Errorf("explanation:\n%s\nwant the line %q", ex, w)
				}
			}
		})
	}
	// Without --caller or a signature an AWS_IAM route ends at the signature check.
	ex, err := serve.Explain(serve.Config{AssemblyDir: fixture, CacheDir: cacheDir}, serve.ExplainRequest{Method: "GET", Target: "/9v9meb89t8/prod/secure"})
	if err != nil {
		t.Fatal(err)
	}
	if s := ex.String(); !strings.Contains(s, `decision: 403 {"message":"Missing Authentication Token"}`) || !strings.Contains(s, "decided by IAM (SigV4): no Authorization header") {
		t.Errorf("without --caller:\n%s", s)
	}
	if _, err := serve.Explain(serve.Config{AssemblyDir: fixture, CacheDir: cacheDir}, serve.ExplainRequest{Method: "GET", Target: "/9v9meb89t8/prod/secure", CallerARN: "MyRole"}); err == nil ||
		!strings.Contains(err.Error(), `caller "MyRole": must be an IAM principal ARN`) {
		t.Errorf("bad --caller: %v", err)
	}
}

// TestExplainSignedRequest: `portico explain` verifies a SigV4-signed request as serve does (its
// headers with -H, the Host it was signed for, its body with -d) and takes the signer as the
// caller; a request changed after signing stops at the signature.
func TestExplainSignedRequest(t *testing.T) {
	g := startIAM(t, "")
	allowed := g.principal(t, "Allowed")
	const target = "/" + tablesID + "/prod/rp-silent"
	explain := func(req *http.Request, body string) string {
		t.Helper()
		header := req.Header.Clone()
		header.Set("Host", req.Host)
		ex, err := serve.Explain(serve.Config{AssemblyDir: iamFixture, CacheDir: cacheDir}, serve.ExplainRequest{Method: req.Method, Target: req.URL.RequestURI(), Header: header, Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		return ex.String()
	}
	signedFor := func(body string) *http.Request {
		return signed(t, allowed, "GET", "http://127.0.0.1:3000"+target, nil, []byte(body), time.Now())
	}
	// Table A: the role's identity policy allows, the resource policy is silent on /rp-silent.
	if s := explain(signedFor("order"), "order"); !strings.Contains(s, "Table A (same account") || !strings.Contains(s, "decision: allowed") {
		t.Errorf("signed request:\n%s", s)
	}
	if s := explain(signedFor("order"), "changed"); !strings.Contains(s, "decision: 403") || !strings.Contains(s, "The request signature we calculated does not match") {
		t.Errorf("body changed after signing:\n%s", s)
	}
}
