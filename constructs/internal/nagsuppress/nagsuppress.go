// Package nagsuppress records, on a construct and its children, why a cdk-nag rule does not
// apply: the one call Portico's constructs make wherever a finding is expected.
package nagsuppress

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Add suppresses rule (e.g. "AwsSolutions-IAM5") on scope and its children with reason.
// appliesTo, when given, narrows the suppression to those findings (strings made with
// jsii.String, or *cdknag.RegexAppliesTo); otherwise every finding of the rule is suppressed.
func Add(scope constructs.IConstruct, rule, reason string, appliesTo ...any) {
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		s.AppliesTo = &appliesTo
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}
