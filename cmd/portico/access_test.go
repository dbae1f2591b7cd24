package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

const accessFixture = "../../local/internal/testdata/access"

// run executes the CLI with args and returns its output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := newRoot(&out)
	root.SetErr(io.Discard)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestTokenThenExplain(t *testing.T) {
	cache := t.TempDir()
	token := func(args ...string) string {
		t.Helper()
		out, err := run(t, append([]string{"token", "-a", accessFixture, "--cache-dir", cache, "--pool", "Users", "--user", "alice"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out)
	}
	access, id := token("--scopes", "orders/read"), token("--groups", "admin")
	if access == id || strings.Count(access, ".") != 2 {
		t.Fatalf("tokens %q and %q are not two distinct JWTs", access, id)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"access token with the scope", []string{"GET", "/41h27d6gwh/prod/cognito", "-H", "Authorization: " + access}, "decision: allowed"},
		{"ID token where scopes are required", []string{"GET", "/41h27d6gwh/prod/cognito", "-H", "Authorization: " + id}, "decision: 401"},
		{"ID token without scopes", []string{"GET", "/41h27d6gwh/prod/cognito-id", "-H", "Authorization: " + id}, "decision: allowed"},
		{"seed policy, other address", []string{"GET", "/x7re4ljt48/prod/open", "--source-ip", "127.0.0.3"}, `(Sid "AllowOffice"): condition IpAddress aws:SourceIp ["127.0.0.2/32"] (request: 127.0.0.3) not met`},
		// On a method without AWS_IAM API Gateway does not know the caller: anonymous, denied.
		{"seed policy, caller on an open method", []string{"GET", "/x7re4ljt48/prod/open", "--source-ip", "10.1.1.1", "--caller", "arn:aws:iam::098765432109:role/MyRole"},
			"caller arn:aws:iam::098765432109:role/MyRole ignored: the method's authorization is NONE, not AWS_IAM"},
		{"private API through its endpoint", []string{"GET", "/kr6wmp0nwr/prod/orders", "--endpoint", "Endpoint"}, "decision: allowed"},
		{"private API elsewhere", []string{"GET", "/kr6wmp0nwr/prod/orders"}, "a private API is reachable only through a VPC endpoint listener"},
		{"steps name the token", []string{"GET", "/41h27d6gwh/prod/cognito", "-H", "Authorization: " + access}, `authorizer PlainCognitoAuthz: valid token of sub-alice, scopes ["orders/read"]`},
		{"steps name the allowing statement", []string{"GET", "/x7re4ljt48/prod/open", "--source-ip", "127.0.0.2"}, `resource policy: Allow: statement #0 (Sid "AllowOffice")`},
		{"Lambda authorizer is not run", []string{"GET", "/41h27d6gwh/prod/lambda", "-H", "Authorization: allow-all"}, "a Lambda authorizer (run it with --run-authorizers)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, append([]string{"explain", "-a", accessFixture, "--cache-dir", cache}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
		})
	}
}

func TestAccessCommandErrors(t *testing.T) {
	cache := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown pool", []string{"token", "-a", accessFixture, "--cache-dir", cache, "--pool", "Nope", "--user", "a"}, `no user pool "Nope"; the assembly has ["Access/Users"]`},
		{"no user", []string{"token", "-a", accessFixture, "--cache-dir", cache, "--pool", "Users"}, "--user is required"},
		{"ID token with scopes", []string{"token", "-a", accessFixture, "--cache-dir", cache, "--pool", "Users", "--user", "a", "--use", "id", "--scopes", "x"}, `ID tokens carry no scopes`},
		{"bad token use", []string{"token", "-a", accessFixture, "--cache-dir", cache, "--pool", "Users", "--user", "a", "--use", "refresh"}, `token use must be "id" or "access", got "refresh"`},
		{"bad header", []string{"explain", "-a", accessFixture, "--cache-dir", cache, "GET", "/x/prod/a", "-H", "NoColon"}, `header must be "Name: value", got "NoColon"`},
		{"bad source IP", []string{"explain", "-a", accessFixture, "--cache-dir", cache, "GET", "/x/prod/a", "--source-ip", "nope"}, `source IP "nope" is not an IP address`},
		{"unknown endpoint", []string{"explain", "-a", accessFixture, "--cache-dir", cache, "GET", "/x/prod/a", "--endpoint", "vpce-1"}, `no VPC endpoint "vpce-1"; the assembly has ["Endpoint" "OtherEndpoint"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := run(t, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}
