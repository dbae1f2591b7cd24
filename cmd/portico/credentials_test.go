package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/portico-dev/portico/local/credentials"
)

// runAsPortico makes the test binary run the portico command line instead of the tests, so that
// a credential_process can name it.
const runAsPortico = "PORTICO_TEST_RUN_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(runAsPortico) != "" {
		root := newRoot(os.Stdout)
		root.SetArgs(os.Args[1:])
		if err := root.Execute(); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCredentialProcess: a profile whose credential_process runs `portico credentials --format
// process` gives aws-sdk-go-v2 the keys the store keeps for the role (the profile setting and
// the JSON are those of the AWS CLI User Guide, "Sourcing credentials with an external process",
// cli-configure-sourcing-external.html).
func TestCredentialProcess(t *testing.T) {
	cache := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fixtureDir, err := filepath.Abs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	awsDir := t.TempDir()
	cfgFile := filepath.Join(awsDir, "config")
	profile := "[profile local]\ncredential_process = " + exe + " credentials -a " + fixtureDir + " --cache-dir " + cache + " --role Fixture/ProbeServiceRoleAC50DCE4 --format process\n"
	if err := os.WriteFile(cfgFile, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(runAsPortico, "1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithSharedConfigProfile("local"),
		config.WithSharedConfigFiles([]string{cfgFile}), config.WithSharedCredentialsFiles([]string{filepath.Join(awsDir, "credentials")}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	store, err := credentials.Open(cache)
	if err != nil {
		t.Fatal(err)
	}
	want, err := store.For("arn:aws:iam::123456789012:role/Fixture-ProbeServiceRoleAC50DCE4")
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessKeyID != want.AccessKeyID || got.SecretAccessKey != want.SecretAccessKey || got.SessionToken != want.SessionToken || got.CanExpire {
		t.Errorf("credential_process gave %+v, want the store's %+v, not expiring", got, want)
	}

	// The same keys as shell exports.
	out, err := run(t, "credentials", "-a", fixture, "--cache-dir", cache, "--role", want.ARN)
	wantOut := "export AWS_ACCESS_KEY_ID=" + want.AccessKeyID + "\nexport AWS_SECRET_ACCESS_KEY=" + want.SecretAccessKey + "\nexport AWS_SESSION_TOKEN=" + want.SessionToken + "\n"
	if err != nil || out != wantOut {
		t.Errorf("--format env: %v\n%s\nwant\n%s", err, out, wantOut)
	}
}

// TestCredentialsPrincipals: a principal a resource policy names (the Access fixture's
// AllowPartnerRole statement) gets keys; anything else is refused with what the assembly knows.
func TestCredentialsPrincipals(t *testing.T) {
	cache := t.TempDir()
	out, err := run(t, "credentials", "-a", accessFixture, "--cache-dir", cache, "--role", "arn:aws:iam::098765432109:role/MyRole", "--format", "process")
	if err != nil || !strings.HasPrefix(out, `{"Version":1,"AccessKeyId":"ASIA`) || !strings.Contains(out, `"SessionToken":"`) {
		t.Errorf("policy principal: %v, %s", err, out)
	}
	// The account of the assembly's stacks, for its root user.
	out, err = run(t, "credentials", "-a", fixture, "--cache-dir", cache, "--role", "123456789012")
	if err != nil || !strings.HasPrefix(out, "export AWS_ACCESS_KEY_ID=AKIA") || strings.Contains(out, "AWS_SESSION_TOKEN") {
		t.Errorf("account root: %v, %s", err, out)
	}
	tests := []struct{ args, want []string }{
		{[]string{"-a", accessFixture, "--role", "arn:aws:iam::098765432109:role/Other"}, []string{`principal "arn:aws:iam::098765432109:role/Other" is not a role of the assembly`, "arn:aws:iam::098765432109:role/MyRole"}},
		{[]string{"-a", fixture, "--role", "Fixture/Nope"}, []string{`principal "Fixture/Nope"`, "Fixture/ProbeServiceRoleAC50DCE4 (arn:aws:iam::123456789012:role/Fixture-ProbeServiceRoleAC50DCE4)", "123456789012 (root)"}},
		{[]string{"-a", fixture, "--role", "210987654321"}, []string{`principal "210987654321" is not a role of the assembly`}},
		{[]string{"-a", fixture, "--role", "Fixture/ProbeServiceRoleAC50DCE4", "--format", "json"}, []string{`--format "json": allowed are env`}},
		{[]string{"-a", fixture}, []string{"--role is required"}},
	}
	for _, tt := range tests {
		_, err := run(t, append(append([]string{"credentials"}, tt.args...), "--cache-dir", cache)...)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %v, want it to contain %q", tt.args, err, w)
			}
		}
	}
}

func TestFunctionCredentialsFlag(t *testing.T) {
	root := newRoot(io.Discard)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"serve", "-a", fixture, "--function-credentials", "aws"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), `"aws"`) || !strings.Contains(err.Error(), "profile:NAME") {
		t.Errorf("serve --function-credentials aws: %v, want a refusal with the allowed values", err)
	}
}
