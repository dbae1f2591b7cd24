package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/portico-dev/portico/internal/textlist"
	"github.com/portico-dev/portico/local/access/iam"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/credentials"
	"github.com/portico-dev/portico/local/serve"
)

func credentialsCmd(out io.Writer) *cobra.Command {
	var dir, stacks, cacheDir, role, format string
	cmd := &cobra.Command{
		Use:   "credentials",
		Short: "Print the local AWS keys of a role or policy principal, accepted by a running portico serve",
		Long: "Print the local access key, secret and (for a role) session token of a principal: an IAM role of the\n" +
			"assembly (by ARN or Stack/LogicalID) or a principal a REST API resource policy names (ARN or account).\n" +
			"The keys are made on first use and kept in {cache-dir}/credentials, so serve accepts requests signed with them.\n" +
			"--format env prints shell exports; --format process prints what an AWS config profile's credential_process reads:\n" +
			"  [profile local]\n  credential_process = /path/to/portico credentials --role Stack/LogicalID --format process",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if format != "env" && format != "process" {
				return fmt.Errorf("--format %q: allowed are env (shell exports) or process (credential_process JSON)", format)
			}
			if role == "" {
				return fmt.Errorf("--role is required: a role ARN or Stack/LogicalID of the assembly, the account of one of its stacks, or a principal a resource policy names")
			}
			asm, err := assembly.Load(dir, assembly.WithStacks(textlist.Split(stacks)...))
			if err != nil {
				return err
			}
			arn, err := principalOf(asm, role)
			if err != nil {
				return err
			}
			cache, err := serve.CacheDir(cacheDir)
			if err != nil {
				return err
			}
			store, err := credentials.Open(cache)
			if err != nil {
				return err
			}
			p, err := store.For(arn)
			if err != nil {
				return err
			}
			return printCredentials(out, p, format)
		},
	}
	addAssembly(cmd, &dir, &stacks, "load")
	addServeCacheDir(cmd, &cacheDir)
	f := cmd.Flags()
	f.StringVar(&role, "role", "", "role ARN or Stack/LogicalID, an account of the assembly (its root user), or a principal ARN or account a resource policy names")
	f.StringVar(&format, "format", "env", "env (export lines) or process (credential_process JSON)")
	return cmd
}

// principalOf is the principal ARN that name (a role's ARN or Stack/LogicalID, the account of a
// stack, for its root user, or a principal of a REST API resource policy) stands for, refusing
// names the assembly does not know.
func principalOf(asm *assembly.Assembly, name string) (string, error) {
	var known []string
	for _, r := range asm.Roles {
		if name == r.ARN || name == r.Stack+"/"+r.LogicalID {
			return r.ARN, nil
		}
		known = append(known, r.Stack+"/"+r.LogicalID+" ("+r.ARN+")")
	}
	for _, account := range accounts(asm) {
		if name == account || name == "arn:aws:iam::"+account+":root" {
			return name, nil // the account's root user
		}
		known = append(known, account+" (root)")
	}
	for _, api := range asm.RestAPIs {
		if api.Policy == nil {
			continue
		}
		p, err := iam.ParseResourcePolicy(api.Policy, iam.Scope{Region: api.Region, Account: api.Account, APIID: api.ID})
		if err != nil {
			return "", fmt.Errorf("stack %s: REST API %s resource policy: %w", api.Stack, api.LogicalID, err)
		}
		for _, principal := range p.Principals() {
			if name == principal || name == "arn:aws:iam::"+principal+":root" {
				return name, nil
			}
			known = append(known, principal)
		}
	}
	slices.Sort(known)
	return "", fmt.Errorf("principal %q is not a role of the assembly, the account of one of its stacks (its root user) or a principal a resource policy names; known: %s", name, strings.Join(slices.Compact(known), ", "))
}

// printCredentials writes the keys as shell exports or as the credential_process JSON (AWS CLI
// User Guide, "Sourcing credentials with an external process",
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html:
// Version 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration; without Expiration the
// credentials are long-term and not refreshed, as local keys are).
func printCredentials(out io.Writer, p credentials.Principal, format string) error {
	if format == "process" {
		return json.NewEncoder(out).Encode(struct {
			Version         int
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string `json:",omitempty"`
		}{1, p.AccessKeyID, p.SecretAccessKey, p.SessionToken})
	}
	fmt.Fprintf(out, "export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n", p.AccessKeyID, p.SecretAccessKey)
	if p.SessionToken != "" {
		fmt.Fprintf(out, "export AWS_SESSION_TOKEN=%s\n", p.SessionToken)
	}
	return nil
}

// accounts are the accounts of the assembly's APIs and roles.
func accounts(asm *assembly.Assembly) []string {
	var out []string
	for _, api := range asm.RestAPIs {
		out = append(out, api.Account)
	}
	for _, api := range slices.Concat(asm.HTTPAPIs, asm.WebSocketAPIs) {
		out = append(out, api.Account)
	}
	for _, r := range asm.Roles {
		out = append(out, r.Account)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
