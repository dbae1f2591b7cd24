package access

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/iam"
	"github.com/portico-dev/portico/local/assembly"
)

// DefaultOutsidePolicy is the identity-based policy Portico assumes for a principal outside the
// assembly (not one of its roles, e.g. a partner's role in another account) unless
// Config.Outside says otherwise: such a caller is set up to call the API, so its own account
// lets it invoke every API; whether the API lets it in is the resource policy's business.
// It grants no execute-api:ManageConnections.
const DefaultOutsidePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*"}]}`

// anyOutside is the key of Config.Outside that replaces DefaultOutsidePolicy.
const anyOutside = "*"

// awsManaged are the AWS managed policies whose documents Portico knows offline, copied from
// the AWS Managed Policy reference (docs.aws.amazon.com/aws-managed-policy/latest/reference/{name}.html,
// the default version named beside each). A role attaching any other AWS managed policy cannot
// be evaluated: its IAM requests are refused by name.
var awsManaged = map[string]string{
	// AWSLambdaBasicExecutionRole v1: CloudWatch Logs only, no execute-api action.
	"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`,
	// AmazonAPIGatewayPushToCloudWatchLogs v1 (the role API Gateway's account settings use): CloudWatch Logs only.
	"arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:DescribeLogGroups","logs:DescribeLogStreams","logs:PutLogEvents","logs:GetLogEvents","logs:FilterLogEvents"],"Resource":"*"}]}`,
	// AmazonAPIGatewayInvokeFullAccess v2: Invoke and ManageConnections on every API.
	"arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["execute-api:Invoke","execute-api:ManageConnections"],"Resource":"arn:aws:execute-api:*:*:*"}]}`,
}

// identity is the identity-based policies of one principal, or why they cannot be evaluated.
type identity struct {
	policies iam.Policies
	// source says where they come from, for explanations.
	source string
	err    error
}

// readRoles parses the identity-based policies of every role of the assembly, by role ARN.
func readRoles(roles []*assembly.Role) map[string]*identity {
	out := map[string]*identity{}
	for _, r := range roles {
		id := &identity{source: fmt.Sprintf("role %s of stack %s", r.Name, r.Stack)}
		for _, p := range r.Policies {
			parsed, err := iam.ParseIdentityPolicy(p.Name, p.Document)
			if err != nil {
				id.err = fmt.Errorf("%s: policy %s: %w", id.source, p.Name, err)
				break
			}
			id.policies = append(id.policies, parsed)
		}
		for _, arn := range r.ManagedPolicyARNs {
			doc, ok := awsManaged[arn]
			if !ok && id.err == nil {
				id.err = fmt.Errorf("%s attaches managed policy %s, whose document is not known offline (known: %s)", id.source, arn, strings.Join(slices.Sorted(maps.Keys(awsManaged)), ", "))
			}
			if ok {
				id.policies = append(id.policies, mustParse(arn, doc))
			}
		}
		out[r.ARN] = id
	}
	return out
}

func mustParse(name, doc string) *iam.Policy {
	p, err := iam.ParseIdentityPolicy(name, []byte(doc))
	if err != nil {
		panic(fmt.Sprintf("built-in policy %s: %v", name, err))
	}
	return p
}

// ReadOutsidePolicies reads the identity-based policies to assume for principals outside the
// assembly from a JSON file mapping principal ARNs (or "*", every other outside principal) to
// policy documents, for Config.Outside.
func ReadOutsidePolicies(path string) (map[string]*iam.Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: must be a JSON object mapping principal ARNs (or \"*\") to identity-based policy documents: %w", path, err)
	}
	out := map[string]*iam.Policy{}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if k != anyOutside && !strings.HasPrefix(k, "arn:") {
			return nil, fmt.Errorf("%s: key %q must be a principal ARN (arn:aws:iam::123456789012:role/Name) or \"*\"", path, k)
		}
		p, err := iam.ParseIdentityPolicy(k+" (from "+path+")", raw[k])
		if err != nil {
			return nil, fmt.Errorf("%s: policy of %s: %w", path, k, err)
		}
		out[k] = p
	}
	return out, nil
}

// rootIdentity is an account's root user: no identity-based policy restricts it ("the root
// user has complete access to all AWS services and resources in the account", IAM User Guide,
// "AWS account root user"); a resource policy's explicit Deny still applies.
var rootIdentity = &identity{policies: iam.Policies{mustParse("the account's root user", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)},
	source: "the account's root user (every action allowed)"}

// identityOf is the identity of the caller: a role of the assembly, an account's root user,
// else an outside principal with its assumed policy.
func (g *Gate) identityOf(c *check.Caller) *identity {
	if id := g.roles[c.PrincipalARN]; id != nil {
		return id
	}
	if strings.HasSuffix(c.PrincipalARN, ":root") {
		return rootIdentity
	}
	if p := g.cfg.Outside[c.PrincipalARN]; p != nil {
		return &identity{policies: iam.Policies{p}, source: "outside the assembly, assumed from the file"}
	}
	if p := g.cfg.Outside[anyOutside]; p != nil {
		return &identity{policies: iam.Policies{p}, source: `outside the assembly, assumed from the file's "*"`}
	}
	return &identity{policies: iam.Policies{g.outsideDefault}, source: "outside the assembly, assumed by default: execute-api:Invoke on every resource"}
}

// Notices are what `portico serve` prints at start-up about IAM: the identity-based policy
// assumed for principals outside the assembly, and the roles whose IAM requests are refused
// because a policy cannot be evaluated. Empty when nothing in the assembly uses IAM.
func (g *Gate) Notices() []string {
	if !usesIAM(g.cfg.Assembly) {
		return nil
	}
	var out []string
	switch {
	case len(g.cfg.Outside) == 0:
		out = append(out, "IAM: principals outside the assembly are assumed to have an identity-based policy allowing execute-api:Invoke on every resource (default; --identity-policies FILE sets one per principal ARN)")
	default:
		out = append(out, fmt.Sprintf("IAM: identity-based policies assumed for principals outside the assembly: %s; others: %s",
			strings.Join(slices.Sorted(maps.Keys(g.cfg.Outside)), ", "), g.identityOf(&check.Caller{}).source))
	}
	for _, arn := range slices.Sorted(maps.Keys(g.roles)) {
		if err := g.roles[arn].err; err != nil {
			out = append(out, fmt.Sprintf("IAM: requests signed by %s are refused (403): %v", arn, err))
		}
	}
	return out
}

// usesIAM reports whether a route of the assembly requires AWS_IAM or a WebSocket API serves
// @connections, which always does.
func usesIAM(asm *assembly.Assembly) bool {
	if len(asm.WebSocketAPIs) > 0 {
		return true
	}
	for _, r := range asm.RestAPIs {
		for _, m := range r.Methods {
			if m.AuthorizationType == "AWS_IAM" {
				return true
			}
		}
	}
	for _, h := range asm.HTTPAPIs {
		for _, rt := range h.Routes {
			if rt.AuthorizationType == "AWS_IAM" {
				return true
			}
		}
	}
	return false
}
