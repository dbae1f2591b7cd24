package serve_test

import (
	"testing"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/credentials"
)

// TestFunctionGetsRoleCredentials: a handler process has its execution role's local keys in
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, as Lambda sets them from the
// execution role ("Defined runtime environment variables",
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
// the keys the store keeps for that role, and not the developer's own.
func TestFunctionGetsRoleCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIADEVELOPER0000000")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "developer-secret")
	e := decodeEcho(t, do(t, "GET", restURL("prod", "/items/42/sub"), nil, nil), nil)
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var fn *assembly.Function
	for _, f := range asm.Functions {
		if f.Name == e.Env["AWS_LAMBDA_FUNCTION_NAME"] {
			fn = f
		}
	}
	if fn == nil {
		t.Fatalf("no function %q in the fixture", e.Env["AWS_LAMBDA_FUNCTION_NAME"])
	}
	store, err := credentials.Open(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := store.For(fn.RoleARN)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": want.AccessKeyID, "AWS_SECRET_ACCESS_KEY": want.SecretAccessKey, "AWS_SESSION_TOKEN": want.SessionToken} {
		if e.Env[k] != v || v == "" {
			t.Errorf("%s = %q, want the local key of role %s, %q", k, e.Env[k], fn.RoleARN, v)
		}
	}
}
