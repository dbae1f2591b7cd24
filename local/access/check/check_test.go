package check

import (
	"net/netip"
	"testing"
)

func testRequest() *Request {
	return &Request{Region: "us-east-1", AccountID: "123456789012", APIID: "abcd1234ef", Stage: "prod",
		Method: "GET", Path: "/pets/7", SourceIP: netip.MustParseAddr("127.0.0.2")}
}

func TestMethodARN(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"REST path", Request{Region: "eu-west-1", AccountID: "1", APIID: "a", Stage: "prod", Method: "GET", Path: "/pets/7"}, "arn:aws:execute-api:eu-west-1:1:a/prod/GET/pets/7"},
		{"root", Request{Region: "eu-west-1", AccountID: "1", APIID: "a", Stage: "prod", Method: "POST", Path: "/"}, "arn:aws:execute-api:eu-west-1:1:a/prod/POST/"},
		{"WebSocket route", Request{Partition: "aws-cn", Region: "cn-north-1", AccountID: "1", APIID: "a", Stage: "dev", RouteKey: "$connect"}, "arn:aws-cn:execute-api:cn-north-1:1:a/dev/$connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.req.MethodARN(); got != tt.want {
				t.Errorf("MethodARN() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPolicyRequestPrivate(t *testing.T) {
	r := testRequest()
	r.Private, r.VpceID, r.VpcID = true, "vpce-1", "vpc-1"
	pr := r.PolicyRequest()
	if pr.SourceIP.IsValid() || pr.VpcSourceIP != r.SourceIP || pr.SourceVpce != "vpce-1" || pr.SourceVpc != "vpc-1" {
		t.Errorf("private request keys = %+v: want no aws:SourceIp, the client as aws:VpcSourceIp and the endpoint's IDs", pr)
	}
	r.Private = false
	pr = r.PolicyRequest()
	if pr.SourceIP != r.SourceIP || pr.VpcSourceIP.IsValid() || pr.SourceVpce != "" {
		t.Errorf("public request keys = %+v: want only aws:SourceIp", pr)
	}
}
