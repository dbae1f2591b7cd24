package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/portico-dev/portico/internal/textlist"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/serve"
)

func tokenCmd(out io.Writer) *cobra.Command {
	var (
		dir, stacks, pool, cacheDir string
		tr                          cognito.TokenRequest
	)
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a token of a user pool's local issuer, accepted by a running portico serve",
		Long: "Print a signed Cognito-shaped ID or access token of the local issuer of a user pool in the assembly.\n" +
			"The issuer's key is kept in {cache-dir}/cognito/{poolId}.pem, so serve accepts the token.",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if tr.User == "" {
				return fmt.Errorf("--user is required")
			}
			// The same key folder as serve's, so that serve accepts the token.
			keys, err := serve.KeyDir(cacheDir)
			if err != nil {
				return err
			}
			asm, err := assembly.Load(dir, assembly.WithStacks(textlist.Split(stacks)...))
			if err != nil {
				return err
			}
			pools, err := cognito.Load(asm, keys)
			if err != nil {
				return err
			}
			p, err := pools.Find(pool)
			if err != nil {
				return err
			}
			tok, err := p.Token(tr)
			if err != nil {
				return err
			}
			fmt.Fprintln(out, tok)
			return nil
		},
	}
	addAssembly(cmd, &dir, &stacks, "load")
	addServeCacheDir(cmd, &cacheDir)
	f := cmd.Flags()
	f.StringVar(&pool, "pool", "", "user pool: logical ID, Stack/LogicalID, pool id or UserPoolName")
	f.StringVar(&tr.User, "user", "", "user name (sub is sub-NAME)")
	f.StringSliceVar(&tr.Groups, "groups", nil, "cognito:groups")
	f.StringSliceVar(&tr.Scopes, "scopes", nil, "OAuth scopes (access tokens only)")
	f.StringVar(&tr.Use, "use", "", "token_use: id or access (default: access with --scopes, else id)")
	f.StringVar(&tr.Client, "client", "", "app client ID (default: the pool's first client)")
	f.DurationVar(&tr.TTL, "ttl", time.Hour, "lifetime")
	return cmd
}

func explainCmd(out io.Writer) *cobra.Command {
	var (
		cfg     serve.Config
		stacks  string
		headers []string
		data    string
		req     serve.ExplainRequest
	)
	cmd := &cobra.Command{
		Use:   "explain METHOD /{apiId}/{stage}/path",
		Short: "Replay a request against the assembly's access control and print the decision",
		Long: "Replay a request against resource policies, authorizers, IAM, API keys and usage plans, and print who\n" +
			"decides and why. No handler runs; a route behind a Lambda authorizer stops there unless --run-authorizers.\n" +
			"An AWS_IAM route runs its authorization for --caller ARN (no signature): resource policy, the caller's\n" +
			"identity-based policies and the same-account (Table A) or cross-account (Table B) outcome.\n" +
			"A WebSocket stage (/{apiId}/{stage}) replays its $connect: authorizer, then API key and usage plan.",
		Args: cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			req.Method, req.Target = strings.ToUpper(args[0]), args[1]
			if !strings.HasPrefix(req.Target, "/") {
				return fmt.Errorf("path must start with /{apiId}, got %q", req.Target)
			}
			req.Header, req.Body = http.Header{}, []byte(data)
			for _, h := range headers {
				k, v, ok := strings.Cut(h, ":")
				if !ok {
					return fmt.Errorf("header must be \"Name: value\", got %q", h)
				}
				req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
			cfg.Stacks, cfg.Out = textlist.Split(stacks), out
			ex, err := serve.Explain(cfg, req)
			if err != nil {
				return err
			}
			fmt.Fprint(out, ex)
			return nil
		},
	}
	addAssembly(cmd, &cfg.AssemblyDir, &stacks, "load")
	addServeCacheDir(cmd, &cfg.CacheDir)
	f := cmd.Flags()
	f.StringArrayVarP(&headers, "header", "H", nil, "request header \"Name: value\" (repeatable)")
	f.StringVarP(&data, "data", "d", "", "request body (a signed request's payload hash covers it)")
	f.StringVar(&req.SourceIP, "source-ip", "127.0.0.1", "client address")
	f.BoolVar(&req.RunAuthorizers, "run-authorizers", false, "build and run the Lambda authorizer functions (handlers never run)")
	f.StringVar(&req.CallerARN, "caller", "", "IAM principal or role-session ARN of the caller: AWS_IAM routes are authorized for it without a signature,\nresource policies match it (default: anonymous)")
	f.StringVar(&req.Endpoint, "endpoint", "", "VPC endpoint the request arrives through (logical ID or vpce id)")
	addIdentityPolicies(cmd, &cfg.IdentityPolicies)
	return cmd
}

// addIdentityPolicies binds the flag naming the identity-based policies assumed for principals
// outside the assembly.
func addIdentityPolicies(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVar(file, "identity-policies", "", "JSON file mapping principal ARNs outside the assembly (or \"*\") to the identity-based policy\n"+
		"assumed for them (default: each may execute-api:Invoke every resource)")
}
