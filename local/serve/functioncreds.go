package serve

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/portico-dev/portico/local/credentials"
)

// FunctionCredentials says which AWS credentials function processes get (--function-credentials):
// "local" (or "", the default) the local keys of each function's execution role; "env" the
// developer's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from portico's own
// environment; "profile:NAME" the keys a profile of the developer's AWS config files resolves to.
// It is a pflag.Value, so that a bad flag value is refused before anything starts.
type FunctionCredentials string

// The variables Lambda sets from the execution role ("Defined runtime environment variables",
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime:
// "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN – The access keys obtained from
// the function's execution role").
const (
	accessKeyEnv    = "AWS_ACCESS_KEY_ID"
	secretKeyEnv    = "AWS_SECRET_ACCESS_KEY"
	sessionTokenEnv = "AWS_SESSION_TOKEN"
)

// Set checks and sets the flag's value.
func (f *FunctionCredentials) Set(s string) error {
	v := FunctionCredentials(s)
	if err := v.check(); err != nil {
		return err
	}
	*f = v
	return nil
}

// String is the flag's value.
func (f *FunctionCredentials) String() string { return string(*f) }

// Type is what the flag takes, for its help text.
func (f *FunctionCredentials) Type() string { return "local|env|profile:NAME" }

func (f FunctionCredentials) check() error {
	name, profile := strings.CutPrefix(string(f), "profile:")
	if f == "" || f == "local" || f == "env" || profile && name != "" {
		return nil
	}
	return fmt.Errorf("function credentials %q: allowed are local (each function's execution role's local keys), env (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN of portico's environment) or profile:NAME (a profile of the AWS config files)", string(f))
}

// keys returns what gives a function with this execution role its credential variables. With
// "local", a role that is no local principal is an error for that function only.
func (f FunctionCredentials) keys(store *credentials.Store) (func(roleARN string) (map[string]string, error), error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if f == "" || f == "local" {
		return func(roleARN string) (map[string]string, error) {
			p, err := store.For(roleARN)
			if err != nil {
				return nil, err
			}
			return awsVariables(p.AccessKeyID, p.SecretAccessKey, p.SessionToken), nil
		}, nil
	}
	vars, err := f.developerKeys()
	if err != nil {
		return nil, err
	}
	return func(string) (map[string]string, error) { return vars, nil }, nil
}

// developerKeys are the developer's own keys, from portico's environment or a profile.
func (f FunctionCredentials) developerKeys() (map[string]string, error) {
	name, ok := strings.CutPrefix(string(f), "profile:")
	if !ok {
		id, secret := os.Getenv(accessKeyEnv), os.Getenv(secretKeyEnv)
		if id == "" || secret == "" {
			return nil, fmt.Errorf("--function-credentials env: %s and %s are not both set in portico's environment", accessKeyEnv, secretKeyEnv)
		}
		return awsVariables(id, secret, os.Getenv(sessionTokenEnv)), nil
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(name))
	if err != nil {
		return nil, fmt.Errorf("--function-credentials %s: %w", f, err)
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("--function-credentials %s: %w", f, err)
	}
	return awsVariables(c.AccessKeyID, c.SecretAccessKey, c.SessionToken), nil
}

// awsVariables are the credential variables of a process; AWS_SESSION_TOKEN only with a token.
func awsVariables(id, secret, token string) map[string]string {
	vars := map[string]string{accessKeyEnv: id, secretKeyEnv: secret}
	if token != "" {
		vars[sessionTokenEnv] = token
	}
	return vars
}
