package iam

import "slices"

// Principals lists the principals the policy's statements name in Principal {"AWS": ...}, each
// once and sorted: ARNs as written, and 12-digit account IDs (an account's root ARN,
// arn:aws:iam::{account}:root, as its account ID). "*" names no one and is left out.
func (p *Policy) Principals() []string {
	var out []string
	for _, s := range p.statements {
		if s.principals != nil {
			out = append(append(out, s.principals.arns...), s.principals.accounts...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
