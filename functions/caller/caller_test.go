package caller_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/portico-dev/portico/functions/caller"
)

// The example credentials of the AWS documentation ("Signature Version 4 signing"), with a
// session token as a role's credentials have.
var roleCreds = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "session-token"}

// authRe is the Authorization header of a SigV4-signed request, as "Authorization header" of the
// IAM User Guide's "Signature Version 4 signing" writes it: AWS4-HMAC-SHA256
// Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=..., Signature=...
var authRe = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// verify checks r the way the service does: it signs again, with the secret, the headers r says
// it signed, at the time r says it was signed, and compares the Authorization headers.
func verify(r *http.Request, creds aws.Credentials, region string) error {
	auth := r.Header.Get("Authorization")
	m := authRe.FindStringSubmatch(auth)
	if m == nil {
		return fmt.Errorf("Authorization %q is not a SigV4 header", auth)
	}
	if m[1] != creds.AccessKeyID || m[3] != region || m[4] != caller.Service {
		return fmt.Errorf("credential scope %s/%s/%s, want %s/%s/%s", m[1], m[3], m[4], creds.AccessKeyID, region, caller.Service)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date: %w", err)
	}
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	if err != nil {
		return err
	}
	for _, h := range strings.Split(m[5], ";") {
		if h != "host" {
			again.Header.Set(h, r.Header.Get(h))
		}
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", caller.Service, region, at); err != nil {
		return err
	}
	if got := again.Header.Get("Authorization"); got != auth {
		return errors.New("signature mismatch")
	}
	return nil
}

// target is an IAM route: it answers 200 to a request signed with want, 403 to anything else.
func target(t *testing.T, want aws.Credentials) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := verify(r, want, "eu-west-1"); err != nil {
			t.Logf("target refuses the request: %v", err)
			http.Error(w, `{"message":"Forbidden"}`, http.StatusForbidden)
			return
		}
		if r.Header.Get("X-Amz-Security-Token") != want.SessionToken {
			http.Error(w, `{"message":"The security token included in the request is invalid"}`, http.StatusForbidden)
			return
		}
		fmt.Fprint(w, `{"message":"Hello, world!"}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHandle(t *testing.T) {
	wrongSecret := roleCreds
	wrongSecret.SecretAccessKey = "not-the-secret"
	tests := []struct {
		name       string
		creds      aws.Credentials
		wantStatus int
		want       caller.Result
	}{
		{"signed with the role's credentials", roleCreds, http.StatusOK, caller.Result{Status: 200, Body: `{"message":"Hello, world!"}`}},
		{"signed with another secret", wrongSecret, http.StatusBadGateway, caller.Result{Status: 403, Body: `{"message":"Forbidden"}` + "\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN an IAM route that verifies SigV4 signatures with the role's secret
			srv := target(t, roleCreds)
			cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.StaticCredentialsProvider{Value: tt.creds}}
			h, err := caller.New(cfg, srv.URL+"/prod/iam/hello", srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			// WHEN the handler runs
			resp, err := h.Handle(context.Background(), events.APIGatewayV2HTTPRequest{})
			if err != nil {
				t.Fatal(err)
			}
			// THEN it relays what the route answered
			var got caller.Result
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("body %q: %v", resp.Body, err)
			}
			tt.want.Target = srv.URL + "/prod/iam/hello"
			if resp.StatusCode != tt.wantStatus || got != tt.want {
				t.Errorf("got %d %+v, want %d %+v", resp.StatusCode, got, tt.wantStatus, tt.want)
			}
		})
	}
}

func TestUnreachableTarget(t *testing.T) {
	srv := target(t, roleCreds)
	srv.Close()
	h, err := caller.New(aws.Config{Region: "eu-west-1", Credentials: credentials.StaticCredentialsProvider{Value: roleCreds}}, srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.Handle(context.Background(), events.APIGatewayV2HTTPRequest{})
	if err != nil || resp.StatusCode != http.StatusBadGateway || !strings.Contains(resp.Body, `"error":`) {
		t.Errorf("got %d %s (%v), want 502 with the error", resp.StatusCode, resp.Body, err)
	}
}

func TestNewRefusesBadConfiguration(t *testing.T) {
	creds := credentials.StaticCredentialsProvider{Value: roleCreds}
	tests := []struct {
		name, target, region, want string
	}{
		{"no target", "", "eu-west-1", `CALLER_TARGET_URL must be an absolute https:// URL`},
		{"relative target", "/prod/iam/hello", "eu-west-1", `got "/prod/iam/hello"`},
		{"no region", "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/iam/hello", "", "no AWS region to sign for"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := caller.New(aws.Config{Region: tt.region, Credentials: creds}, tt.target, http.DefaultClient)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func ExampleHandler_Handle() {
	// An IAM route that answers any request signed for execute-api.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "signed: %v", authRe.MatchString(r.Header.Get("Authorization")))
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.StaticCredentialsProvider{Value: roleCreds}}
	h, _ := caller.New(cfg, srv.URL+"/prod/iam/hello", srv.Client())
	resp, _ := h.Handle(context.Background(), events.APIGatewayV2HTTPRequest{})
	fmt.Println(resp.StatusCode, resp.Body[strings.Index(resp.Body, `"status"`):])
	// Output: 200 "status":200,"body":"signed: true"}
}
