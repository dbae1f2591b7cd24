package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/portico-dev/portico/functions/caller"
	"github.com/portico-dev/portico/infra/stacks"
	"github.com/portico-dev/portico/local/credentials"
)

// TestSampleIAMCallers serves the sample app and calls its IAM routes as the callers do,
// signing with the local principals' keys (what `portico credentials` prints) through
// functions/caller's own signing code:
//   - the account's root user runs the Caller sample (GET /call, IAM), whose function signs a
//     call to the Hello API's IAM route with its execution role's keys: same account, allowed by
//     the role's grant alone (Table A);
//   - the partner's cross-account role MyRole calls the Partner API's IAM route from outside the
//     CIDR: allowed by its own (assumed) policy and the resource policy together (Table B);
//   - a same-account role without a grant is refused by Hello's IAM route (Table A, neither).
func TestSampleIAMCallers(t *testing.T) {
	gw, logs := sampleApp(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gateway output:\n%s", logs)
		}
	})
	store, err := credentials.Open(sampleCacheDir)
	if err != nil {
		t.Fatal(err)
	}
	apiURL := func(stack, path string) string {
		for _, api := range gw.Server.APIs() {
			if api.Stack == stack {
				return gw.URL + "/" + api.ID + path
			}
		}
		t.Fatalf("no API in stack %s", stack)
		return ""
	}
	call := func(principal, url string) caller.Result {
		t.Helper()
		p, err := store.For(principal)
		if err != nil {
			t.Fatal(err)
		}
		h := caller.Handler{Target: url, Region: "us-east-1", Signer: v4.NewSigner(), Client: &http.Client{Timeout: 20 * time.Second},
			Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken}, nil
			}))}
		resp, err := h.Handle(context.Background(), events.APIGatewayV2HTTPRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var res caller.Result
		if err := json.Unmarshal([]byte(resp.Body), &res); err != nil {
			t.Fatalf("%s: %v", resp.Body, err)
		}
		return res
	}

	t.Run("same account: the Caller function calls Hello's IAM route", func(t *testing.T) {
		outer := call("123456789012", apiURL("PorticoCaller", strings.TrimPrefix(stacks.CallerRoute, "GET ")))
		var inner caller.Result
		if outer.Status != 200 || json.Unmarshal([]byte(outer.Body), &inner) != nil || inner.Status != 200 || !strings.Contains(inner.Target, "/prod"+stacks.HelloIamPath) {
			t.Fatalf("GET /call: %+v, want 200 with the function's 200 from Hello's IAM route", outer)
		}
	})

	t.Run("same account without a grant", func(t *testing.T) {
		var hello string
		for _, r := range gw.Assembly.Roles {
			if r.Stack == "PorticoHello" {
				hello = r.ARN // the Hello function's role: no execute-api grant
			}
		}
		res := call(hello, apiURL("PorticoHello", "/prod"+stacks.HelloIamPath))
		if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "not authorized") {
			t.Errorf("Hello's role on Hello's IAM route: %+v, want 403", res)
		}
	})

	t.Run("cross account: the partner's role", func(t *testing.T) {
		res := call(stacks.PartnerRoleArn, apiURL("PorticoPartner", "/prod/iam/quotes/ACME"))
		var quote struct{ Symbol, Partner string }
		if res.Status != 200 || json.Unmarshal([]byte(res.Body), &quote) != nil || quote.Symbol != "ACME" || !strings.Contains(quote.Partner, "assumed-role/MyRole/") {
			t.Errorf("MyRole on /iam/quotes/ACME: %+v, want 200 naming the partner by its session ARN", res)
		}
	})
}
