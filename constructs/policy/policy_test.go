package policy_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/portico-dev/portico/constructs/policy"
)

func render(t *testing.T, d *policy.Document, kind policy.Kind) string {
	t.Helper()
	doc, err := d.JSON(kind)
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	b, err := json.Marshal(doc["Statement"])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStatements(t *testing.T) {
	tests := []struct {
		name string
		doc  *policy.Document
		kind policy.Kind
		want string
	}{
		{"private canonical", policy.New().Allow(policy.Anyone()).DenyUnless(policy.VpcEndpoints("vpce-0123456789abcdef0")), policy.Private,
			`[{"Action":"execute-api:Invoke","Effect":"Allow","Principal":"*","Resource":"execute-api:/*"},{"Action":"execute-api:Invoke","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}},"Effect":"Deny","Principal":"*","Resource":"execute-api:/*"}]`},
		{"restrict by VPC", policy.New().DenyUnless(policy.Vpcs("vpc-0123456789abcdef0", "vpc-11111111")), policy.Private,
			`[{"Action":"execute-api:Invoke","Condition":{"StringNotEquals":{"aws:SourceVpc":["vpc-0123456789abcdef0","vpc-11111111"]}},"Effect":"Deny","Principal":"*","Resource":"execute-api:/*"}]`},
		{"CIDR on public is SourceIp", policy.New().Allow(policy.Cidrs("203.0.113.0/24")), policy.Public,
			`[{"Action":"execute-api:Invoke","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}},"Effect":"Allow","Principal":"*","Resource":"execute-api:/*"}]`},
		{"CIDR on private is VpcSourceIp", policy.New().Deny(policy.Cidrs("10.0.5.0/24")), policy.Private,
			`[{"Action":"execute-api:Invoke","Condition":{"IpAddress":{"aws:VpcSourceIp":"10.0.5.0/24"}},"Effect":"Deny","Principal":"*","Resource":"execute-api:/*"}]`},
		{"deny unless CIDR", policy.New().DenyUnless(policy.Cidrs("203.0.113.0/24")), policy.Public,
			`[{"Action":"execute-api:Invoke","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}},"Effect":"Deny","Principal":"*","Resource":"execute-api:/*"}]`},
		{"cross-account role is a principal", policy.New().Allow(policy.Roles("arn:aws:iam::098765432109:role/MyRole")), policy.Public,
			`[{"Action":"execute-api:Invoke","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::098765432109:role/MyRole"},"Resource":"execute-api:/*"}]`},
		{"deny unless role uses an ARN operator on PrincipalArn", policy.New().DenyUnless(policy.Roles("arn:aws:iam::098765432109:role/A", "arn:aws:iam::098765432109:role/B")), policy.Public,
			`[{"Action":"execute-api:Invoke","Condition":{"ArnNotEquals":{"aws:PrincipalArn":["arn:aws:iam::098765432109:role/A","arn:aws:iam::098765432109:role/B"]}},"Effect":"Deny","Principal":"*","Resource":"execute-api:/*"}]`},
		{"two roles in one principal list", policy.New().Allow(policy.Roles("arn:aws:iam::111122223333:role/developer", "arn:aws:iam::111122223333:role/Admin"), policy.Scope{Stage: "stage", Method: "GET", Path: "/pets"}), policy.Public,
			`[{"Action":"execute-api:Invoke","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/developer","arn:aws:iam::111122223333:role/Admin"]},"Resource":"execute-api:/stage/GET/pets"}]`},
		{"deny unless account uses PrincipalAccount", policy.New().DenyUnless(policy.Accounts("098765432109")), policy.Public,
			`[{"Action":"execute-api:Invoke","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"098765432109"}},"Effect":"Deny","Principal":"*","Resource":"execute-api:/*"}]`},
		{"scoped to stage, method and path", policy.New().Allow(policy.Accounts("123456789012"), policy.Scope{Stage: "prod", Method: "get", Path: "/orders/*"}, policy.Scope{Method: "ANY", Path: "/"}), policy.Public,
			`[{"Action":"execute-api:Invoke","Effect":"Allow","Principal":{"AWS":"123456789012"},"Resource":["execute-api:/prod/GET/orders/*","execute-api:/*/*/"]}]`},
		{"only a CIDR and a role", policy.New().AllowOnly(policy.Cidrs("203.0.113.0/24"), policy.Roles("arn:aws:iam::098765432109:role/MyRole")), policy.Public,
			`[{"Action":"execute-api:Invoke","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}},"Effect":"Allow","Principal":"*","Resource":"execute-api:/*"},` +
				`{"Action":"execute-api:Invoke","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::098765432109:role/MyRole"},"Resource":"execute-api:/*"},` +
				`{"Action":"execute-api:Invoke","Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::098765432109:role/MyRole"},"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}},"Effect":"Deny","Principal":"*","Resource":"execute-api:/*"}]`},
		{"only two CIDRs and an account", policy.New().AllowOnly(policy.Cidrs("203.0.113.0/24"), policy.Cidrs("198.51.100.0/24"), policy.Accounts("098765432109")), policy.Public,
			`[{"Action":"execute-api:Invoke","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}},"Effect":"Allow","Principal":"*","Resource":"execute-api:/*"},` +
				`{"Action":"execute-api:Invoke","Condition":{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}},"Effect":"Allow","Principal":"*","Resource":"execute-api:/*"},` +
				`{"Action":"execute-api:Invoke","Effect":"Allow","Principal":{"AWS":"098765432109"},"Resource":"execute-api:/*"},` +
				`{"Action":"execute-api:Invoke","Condition":{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","198.51.100.0/24"]},"StringNotEquals":{"aws:PrincipalAccount":"098765432109"}},"Effect":"Deny","Principal":"*","Resource":"execute-api:/*"}]`},
		{"raw statement passes through", policy.New().AddStatements(map[string]any{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/DELETE/*"}), policy.Public,
			`[{"Action":"execute-api:Invoke","Effect":"Deny","Principal":"*","Resource":"execute-api:/*/DELETE/*"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a document WHEN rendered THEN the statements are exactly the IAM JSON: a
			// principal as "API Gateway resource policy examples" ("Allow roles in another AWS
			// account to use an API") writes it, {"AWS": [...]}; aws:PrincipalArn compared with an
			// ARN operator and aws:PrincipalAccount with a string one, as "AWS global condition
			// context keys" (IAM User Guide) gives their data types and its DenyAccessFromPrincipal-
			// NotInSpecificAccount example (StringNotEquals aws:PrincipalAccount) writes it
			if got := render(t, tt.doc, tt.kind); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	many := policy.New()
	for i := range 200 {
		many.Allow(policy.Cidrs(fmt.Sprintf("10.%d.0.0/16", i)))
	}
	tests := []struct {
		name string
		doc  *policy.Document
		kind policy.Kind
		want string
	}{
		{"empty", policy.New(), policy.Public, "no statements"},
		{"SourceIp in raw statement on private", policy.New().AddStatements(map[string]any{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "10.0.0.0/8"}}}), policy.Private, `condition key "aws:SourceIp" does not work on a PRIVATE API`},
		{"SourceIp under a typed condition map on private", policy.New().AddStatements(map[string]any{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
			"Condition": map[string]map[string][]string{"IpAddress": {"aws:SourceIp": {"10.0.0.0/8"}}}}), policy.Private, `condition key "aws:SourceIp" does not work on a PRIVATE API`},
		{"SourceIp under a map of any on private", policy.New().AddStatements(map[string]any{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
			"Condition": map[string]any{"NotIpAddress": map[string]string{"AWS:SOURCEIP": "10.0.0.0/8"}}}), policy.Private, `condition key "AWS:SOURCEIP" does not work`},
		{"SourceIp in a condition written as a slice of blocks on private", policy.New().AddStatements(map[string]any{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
			"condition": []map[string]any{{"IpAddress": map[string]any{"aws:SourceIp": "10.0.0.0/8"}}}}), policy.Private, `condition key "aws:SourceIp" does not work`},
		{"only these sources, but anyone", policy.New().AllowOnly(policy.Anyone()), policy.Public, "AllowOnly(Anyone()) restricts no one"},
		{"only these sources, none given", policy.New().AllowOnly(), policy.Public, "AllowOnly needs at least one caller"},
		{"only these sources, a bad CIDR", policy.New().AllowOnly(policy.Cidrs("10.0.0.0/33")), policy.Public, `got "10.0.0.0/33"`},
		{"VPC endpoint on public", policy.New().DenyUnless(policy.VpcEndpoints("vpce-0123456789abcdef0")), policy.Public, "only apply to PRIVATE APIs"},
		{"bad endpoint ID", policy.New().DenyUnless(policy.VpcEndpoints("vpc-0123456789abcdef0")), policy.Private, `got "vpc-0123456789abcdef0"`},
		{"bad CIDR", policy.New().Allow(policy.Cidrs("203.0.113.0/33")), policy.Public, `got "203.0.113.0/33", want an IPv4 or IPv6 CIDR`},
		{"bad account", policy.New().Allow(policy.Accounts("12345")), policy.Public, `got "12345", want a 12-digit AWS account ID`},
		{"bad role", policy.New().Allow(policy.Roles("arn:aws:iam::098765432109:user/bob")), policy.Public, `got "arn:aws:iam::098765432109:user/bob", want an IAM role ARN`},
		{"no values", policy.New().Allow(policy.Cidrs()), policy.Public, "CIDR ranges: give at least one value"},
		{"deny unless anyone", policy.New().DenyUnless(policy.Anyone()), policy.Public, "denies no one"},
		{"bad method", policy.New().Allow(policy.Anyone(), policy.Scope{Method: "FETCH"}), policy.Public, `got "FETCH"`},
		{"bad path", policy.New().Allow(policy.Anyone(), policy.Scope{Path: "orders"}), policy.Public, `must start with "/", got "orders"`},
		{"bad path segment", policy.New().Allow(policy.Anyone(), policy.Scope{Path: "/orders/{id}"}), policy.Public, `segment "{id}"`},
		{"too long", many, policy.Public, "API Gateway allows at most 8192"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.doc.JSON(tt.kind)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestPrincipals(t *testing.T) {
	role := "arn:aws:iam::098765432109:role/MyRole"
	tests := []struct {
		name string
		doc  *policy.Document
		want []string
	}{
		{"addresses only", policy.New().AllowOnly(policy.Cidrs("203.0.113.0/24")).Deny(policy.Anyone(), policy.Scope{Method: "DELETE"}), nil},
		{"AllowOnly names the role in its Allow and its Deny", policy.New().AllowOnly(policy.Cidrs("203.0.113.0/24"), policy.Roles(role)), []string{role, role}},
		{"accounts in an Allow", policy.New().Allow(policy.Accounts("123456789012")), []string{"123456789012"}},
		{"DenyUnless a role", policy.New().DenyUnless(policy.Roles(role)), []string{role}},
		{"raw statement with a principal list", policy.New().AddStatements(map[string]any{"Effect": "Allow", "principal": map[string][]string{"AWS": {"*", role}}}), []string{role}},
		{"raw statement with a principal string", policy.New().AddStatements(map[string]any{"Effect": "Deny", "Principal": map[string]any{"AWS": "123456789012"}}), []string{"123456789012"}},
		{"raw statement for everyone", policy.New().AddStatements(map[string]any{"Effect": "Allow", "Principal": "*"}, map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "*"}}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.doc.Principals(); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Principals() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHasAllow(t *testing.T) {
	tests := []struct {
		doc  *policy.Document
		want bool
	}{
		{policy.New().DenyUnless(policy.Cidrs("10.0.0.0/8")), false},
		{policy.New().Allow(policy.Roles("arn:aws:iam::098765432109:role/R")), true},
		{policy.New().AddStatements(map[string]any{"Effect": "Allow"}), true},
	}
	for i, tt := range tests {
		if got := tt.doc.HasAllow(); got != tt.want {
			t.Errorf("case %d: HasAllow = %v, want %v", i, got, tt.want)
		}
	}
}

func ExampleDocument_JSON() {
	// The seed's example: one CIDR range and one cross-account role.
	doc, _ := policy.New().
		Allow(policy.Cidrs("203.0.113.0/24")).
		Allow(policy.Roles("arn:aws:iam::098765432109:role/MyRole")).
		JSON(policy.Public)
	b, _ := json.Marshal(doc)
	fmt.Println(len(b) < policy.MaxLength)
	// Output: true
}
