package assembly_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/portico-dev/portico/local/assembly"
)

// Pools, VPC endpoints and VPCs get cloud-shaped local ids, distinct per stack, so that two
// stacks' pools never share an issuer URL and policies naming an endpoint by Ref match it.
func TestPhysicalIDsOfAccessResources(t *testing.T) {
	dir := t.TempDir()
	tpl := `{"Resources":{
		"Users":{"Type":"AWS::Cognito::UserPool"},
		"Vpc":{"Type":"AWS::EC2::VPC"},
		"Endpoint":{"Type":"AWS::EC2::VPCEndpoint","Properties":{"VpcId":{"Ref":"Vpc"}}},
		"Prod":{"Type":"AWS::ApiGateway::Stage","Properties":{"StageName":"prod"}},
		"Live":{"Type":"AWS::ApiGatewayV2::Stage","Properties":{"StageName":"live"}},
		"Probe":{"Type":"AWS::SNS::Topic","Properties":{"Pool":{"Ref":"Users"},"Arn":{"Fn::GetAtt":["Users","Arn"]},"Url":{"Fn::GetAtt":["Users","ProviderURL"]},"Vpce":{"Ref":"Endpoint"},
			"RestStage":{"Ref":"Prod"},"V2Stage":{"Ref":"Live"}}}}}`
	manifest := `{"version":"55.0.0","artifacts":{`
	for i, name := range []string{"A", "B"} {
		if err := os.WriteFile(filepath.Join(dir, name+".template.json"), []byte(tpl), 0o644); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			manifest += ","
		}
		manifest += `"` + name + `":{"type":"aws:cloudformation:stack","environment":"aws://unknown-account/unknown-region","properties":{"templateFile":"` + name + `.template.json"}}`
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest+"}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	pools := map[string]bool{}
	for _, st := range a.Stacks {
		p := st.Props("Probe")
		pool, _ := p["Pool"].(string)
		tests := []struct {
			key, pattern string
		}{
			{"Pool", `^us-east-1_[a-z0-9]{10}$`},
			{"Arn", `^arn:aws:cognito-idp:us-east-1:123456789012:userpool/` + regexp.QuoteMeta(pool) + `$`},
			{"Url", `^cognito-idp\.us-east-1\.amazonaws\.com/` + regexp.QuoteMeta(pool) + `$`},
			{"Vpce", `^vpce-[a-z0-9]{10}$`},
			// Ref of a stage is its name (AWS::ApiGateway::Stage and AWS::ApiGatewayV2::Stage,
			// "Return values"), e.g. in RestApi.url's https://{api}.execute-api.../{stage}/.
			{"RestStage", `^prod$`},
			{"V2Stage", `^live$`},
		}
		for _, tt := range tests {
			if got, _ := p[tt.key].(string); !regexp.MustCompile(tt.pattern).MatchString(got) {
				t.Errorf("stack %s: %s = %q, want %s", st.Name, tt.key, got, tt.pattern)
			}
		}
		if got := st.Props("Endpoint")["VpcId"].(string); !regexp.MustCompile(`^vpc-[a-z0-9]{10}$`).MatchString(got) {
			t.Errorf("stack %s: VpcId = %q, want vpc-...", st.Name, got)
		}
		if st.PhysicalRef("Endpoint") != p["Vpce"] {
			t.Errorf("stack %s: PhysicalRef(Endpoint) = %q, want what Ref resolved to, %q", st.Name, st.PhysicalRef("Endpoint"), p["Vpce"])
		}
		for attr, key := range map[string]string{"Arn": "Arn", "ProviderURL": "Url"} {
			if got := st.PhysicalAtt("Users", attr); got != p[key] {
				t.Errorf("stack %s: PhysicalAtt(Users, %s) = %q, want what GetAtt resolved to, %q", st.Name, attr, got, p[key])
			}
		}
		if got := st.PhysicalAtt("Missing", "Arn"); got != "" {
			t.Errorf("stack %s: PhysicalAtt of a missing resource = %q, want \"\"", st.Name, got)
		}
		pools[pool] = true
	}
	if len(pools) != 2 {
		t.Errorf("pool ids %v: want one per stack", pools)
	}
}
