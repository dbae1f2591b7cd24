package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/credentials"
)

// TestFunctionCredentialsSources: each --function-credentials source puts its keys in every
// function's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (Lambda's names,
// "Defined runtime environment variables", configuration-envvars.html), AWS_SESSION_TOKEN only
// with a token. The profile is a config-file profile with static keys (AWS CLI User Guide,
// "Configuration and credential file settings": aws_access_key_id, aws_secret_access_key).
func TestFunctionCredentialsSources(t *testing.T) {
	asm, err := assembly.Load("../internal/testdata/assembly")
	if err != nil {
		t.Fatal(err)
	}
	pools, err := cognito.Load(asm, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	awsDir := t.TempDir()
	config := filepath.Join(awsDir, "config")
	if err := os.WriteFile(config, []byte("[profile dev]\naws_access_key_id = AKIAPROFILE000000000\naws_secret_access_key = profile-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(awsDir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIADEVELOPER0000000")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "developer-secret")
	t.Setenv("AWS_SESSION_TOKEN", "developer-token")
	cache := t.TempDir()
	store, err := credentials.Open(cache)
	if err != nil {
		t.Fatal(err)
	}
	for _, source := range []FunctionCredentials{"", "local", "env", "profile:dev"} {
		env, err := localEnvironment(asm, pools, store, "", Config{CacheDir: cache, FunctionCredentials: source, Out: os.Stderr})
		if err != nil {
			t.Fatalf("%q: %v", source, err)
		}
		for _, fn := range asm.SortedFunctions() {
			want := map[string]string{"AWS_ACCESS_KEY_ID": "AKIADEVELOPER0000000", "AWS_SECRET_ACCESS_KEY": "developer-secret", "AWS_SESSION_TOKEN": "developer-token"}
			switch source {
			case "", "local":
				p, err := store.For(fn.RoleARN)
				if err != nil {
					t.Fatal(err)
				}
				want = map[string]string{"AWS_ACCESS_KEY_ID": p.AccessKeyID, "AWS_SECRET_ACCESS_KEY": p.SecretAccessKey, "AWS_SESSION_TOKEN": p.SessionToken}
			case "profile:dev":
				want = map[string]string{"AWS_ACCESS_KEY_ID": "AKIAPROFILE000000000", "AWS_SECRET_ACCESS_KEY": "profile-secret"}
			}
			for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
				got, ok := env[fn.ID][k]
				if w, wok := want[k]; got != w || ok != wok {
					t.Errorf("%q: function %s %s = %q (set %v), want %q (set %v)", source, fn.ID, k, got, ok, w, wok)
				}
			}
		}
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if _, err := localEnvironment(asm, pools, store, "", Config{CacheDir: cache, FunctionCredentials: "env"}); err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("env without a secret: %v, want an error naming AWS_SECRET_ACCESS_KEY", err)
	}
	if _, err := localEnvironment(asm, pools, store, "", Config{CacheDir: cache, FunctionCredentials: "profile:nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown profile: %v, want an error naming it", err)
	}
}

func TestFunctionCredentialsFlag(t *testing.T) {
	for _, bad := range []string{"aws", "profile:", "ENV", "local:x"} {
		var f FunctionCredentials
		err := f.Set(bad)
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) || !strings.Contains(err.Error(), "allowed are local") || f != "" {
			t.Errorf("Set(%q) = %v (value %q), want a refusal quoting it with the allowed values", bad, err, f)
		}
	}
	var f FunctionCredentials
	if err := f.Set("profile:dev"); err != nil || f != "profile:dev" {
		t.Errorf("Set(profile:dev) = %v, value %q", err, f)
	}
}
