package policy_test

import (
	"encoding/json"
	"net/netip"
	"testing"

	"github.com/portico-dev/portico/constructs/policy"
	evaluator "github.com/portico-dev/portico/local/access/iam"
)

// TestAttacksAreRefused evaluates the documents the builder writes with the IAM evaluator that
// `portico serve` uses, and checks that callers the policy is meant to keep out are refused.
func TestAttacksAreRefused(t *testing.T) {
	const arn = "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/GET/orders/7"
	scope := evaluator.Scope{Region: "us-east-1", Account: "123456789012", APIID: "abcd1234ef"}
	private := policy.New().Allow(policy.Anyone()).DenyUnless(policy.VpcEndpoints("vpce-0123456789abcdef0"))
	seed := policy.New().Allow(policy.Cidrs("203.0.113.0/24")).Allow(policy.Roles("arn:aws:iam::098765432109:role/MyRole"))
	scoped := policy.New().Allow(policy.Accounts("098765432109"), policy.Scope{Stage: "prod", Method: "GET", Path: "/orders/*"})
	only := policy.New().AllowOnly(policy.Cidrs("203.0.113.0/24"), policy.Roles("arn:aws:iam::098765432109:role/MyRole"))
	privateCidr := policy.New().Allow(policy.Cidrs("10.0.1.0/24")).DenyUnless(policy.VpcEndpoints("vpce-0123456789abcdef0"))

	tests := []struct {
		name string
		doc  *policy.Document
		kind policy.Kind
		req  evaluator.Request
		want evaluator.Effect
	}{
		{"private: through its endpoint", private, policy.Private, evaluator.Request{Resource: arn, SourceVpce: "vpce-0123456789abcdef0"}, evaluator.Allow},
		{"private: ATTACK through another account's endpoint", private, policy.Private, evaluator.Request{Resource: arn, SourceVpce: "vpce-0fffffffffffffff0"}, evaluator.Deny},
		{"private: ATTACK with no endpoint at all", private, policy.Private, evaluator.Request{Resource: arn}, evaluator.Deny},
		{"private CIDR: caller in the subnet", privateCidr, policy.Private, evaluator.Request{Resource: arn, SourceVpce: "vpce-0123456789abcdef0", VpcSourceIP: netip.MustParseAddr("10.0.1.9")}, evaluator.Allow},
		{"private CIDR: ATTACK from another subnet of the VPC", privateCidr, policy.Private, evaluator.Request{Resource: arn, SourceVpce: "vpce-0123456789abcdef0", VpcSourceIP: netip.MustParseAddr("10.0.2.9")}, evaluator.ImplicitDeny},
		{"seed: caller in the CIDR", seed, policy.Public, evaluator.Request{Resource: arn, SourceIP: netip.MustParseAddr("203.0.113.7")}, evaluator.Allow},
		{"seed: the cross-account role", seed, policy.Public, evaluator.Request{Resource: arn, SourceIP: netip.MustParseAddr("198.51.100.1"), PrincipalARN: "arn:aws:iam::098765432109:role/MyRole"}, evaluator.Allow},
		{"seed: ATTACK from outside the CIDR", seed, policy.Public, evaluator.Request{Resource: arn, SourceIP: netip.MustParseAddr("198.51.100.1")}, evaluator.ImplicitDeny},
		{"seed: ATTACK as another role of that account", seed, policy.Public, evaluator.Request{Resource: arn, SourceIP: netip.MustParseAddr("198.51.100.1"), PrincipalARN: "arn:aws:iam::098765432109:role/Other"}, evaluator.ImplicitDeny},
		{"only: caller in the CIDR", only, policy.Public, evaluator.Request{Resource: arn, SourceIP: netip.MustParseAddr("203.0.113.7")}, evaluator.Allow},
		{"only: the role, signed, from anywhere", only, policy.Public, evaluator.Request{Resource: arn, SourceIP: netip.MustParseAddr("198.51.100.1"), PrincipalARN: "arn:aws:iam::098765432109:role/MyRole"}, evaluator.Allow},
		{"only: ATTACK from outside the CIDR (explicit deny, before any authorizer)", only, policy.Public, evaluator.Request{Resource: arn, SourceIP: netip.MustParseAddr("198.51.100.1")}, evaluator.Deny},
		{"only: ATTACK as another role from outside the CIDR", only, policy.Public, evaluator.Request{Resource: arn, SourceIP: netip.MustParseAddr("198.51.100.1"), PrincipalARN: "arn:aws:iam::098765432109:role/Other"}, evaluator.Deny},
		{"scoped: the allowed method and path", scoped, policy.Public, evaluator.Request{Resource: arn, PrincipalARN: "arn:aws:iam::098765432109:role/Any"}, evaluator.Allow},
		{"scoped: ATTACK on another method", scoped, policy.Public, evaluator.Request{Resource: "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/DELETE/orders/7", PrincipalARN: "arn:aws:iam::098765432109:role/Any"}, evaluator.ImplicitDeny},
		{"scoped: ATTACK on another stage", scoped, policy.Public, evaluator.Request{Resource: "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/dev/GET/orders/7", PrincipalARN: "arn:aws:iam::098765432109:role/Any"}, evaluator.ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := tt.doc.JSON(tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			p, err := evaluator.ParseResourcePolicy(raw, scope)
			if err != nil {
				t.Fatalf("the evaluator rejects the builder's policy: %v\n%s", err, raw)
			}
			if got := p.Evaluate(tt.req); got.Effect != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
