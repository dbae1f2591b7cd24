package iam_test

import (
	"slices"
	"testing"

	"github.com/portico-dev/portico/local/access/iam"
)

// TestPrincipals: the AWS principals of a resource policy, in the forms "AWS JSON policy
// elements: Principal" documents (IAM User Guide, reference_policies_elements_principal.html):
// an account ID, an account's root ARN, a role ARN; "*" is anyone, no principal.
func TestPrincipals(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::098765432109:role/MyRole","111122223333"]},"Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
		{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/*"}]}`
	p, err := iam.ParseResourcePolicy([]byte(doc), iam.Scope{Region: "us-east-1", Account: "123456789012", APIID: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"111122223333", "444455556666", "arn:aws:iam::098765432109:role/MyRole"}
	if got := p.Principals(); !slices.Equal(got, want) {
		t.Errorf("Principals() = %q, want %q", got, want)
	}
}
