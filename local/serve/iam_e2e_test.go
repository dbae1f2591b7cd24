package serve_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/coder/websocket"

	"github.com/portico-dev/portico/internal/testtool"
	"github.com/portico-dev/portico/local/credentials"
	"github.com/portico-dev/portico/local/serve"
)

// The IAM fixture (testdata/iam, made by testdata/iamapp) has REST APIs Tables (every method
// AWS_IAM; its resource policy Allows the callers on /rp-allow, Denies them on /rp-deny and is
// silent on /rp-silent), Seed (the seed's policy shape: Allow 127.0.0.2/32, Allow the
// cross-account role MyRole, explicit Deny for everyone else) and Bench (GET /open and GET /iam,
// no policy), an HTTP API (GET /iam, GET /open) and a WebSocket API (IAM on $connect). Roles
// Allowed, Silent and Denied have an identity policy that allows execute-api:Invoke on every
// API, says nothing, or explicitly denies it; Sender may manage the WebSocket stage's connections.
const (
	iamFixture  = "../internal/testdata/iam"
	tablesID    = "76ngbu596d"
	seedID      = "ze3tqsxvbf"
	benchID     = "betsauyiwk"
	iamHTTPID   = "k2nlebak6c"
	iamWSID     = "0erdm0o4x8"
	partnerRole = "arn:aws:iam::098765432109:role/MyRole"
	region      = "us-east-1"
)

type iamGateway struct {
	run   *serve.Running
	out   *syncBuffer
	store *credentials.Store
}

// startIAM serves the IAM fixture; identityPolicies is serve's --identity-policies file ("":
// the default assumption for principals outside the assembly).
func startIAM(tb testing.TB, identityPolicies string) *iamGateway {
	tb.Helper()
	g := &iamGateway{out: &syncBuffer{}}
	var err error
	g.run, err = serve.Start(context.Background(), serve.Config{AssemblyDir: iamFixture, CacheDir: cacheDir, Out: g.out, Concurrency: 1, IdentityPolicies: identityPolicies})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		g.run.Close()
		if tb.Failed() {
			tb.Logf("gateway output:\n%s", g.out)
		}
	})
	// What `portico credentials --role ARN` reads: the keys kept in serve's cache folder.
	if g.store, err = credentials.Open(cacheDir); err != nil {
		tb.Fatal(err)
	}
	return g
}

// principal is the local principal of a role of the fixture (by logical ID prefix) or of an ARN.
func (g *iamGateway) principal(tb testing.TB, name string) credentials.Principal {
	tb.Helper()
	arn := name
	if !strings.HasPrefix(name, "arn:") {
		for _, r := range g.run.Assembly.Roles {
			if strings.HasPrefix(r.LogicalID, name) {
				arn = r.ARN
			}
		}
	}
	p, err := g.store.For(arn)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// signed is a request signed by aws-sdk-go-v2's SigV4 signer with p's keys at time at.
func signed(tb testing.TB, p credentials.Principal, method, url string, header http.Header, body []byte, at time.Time) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", region, at); err != nil {
		tb.Fatal(err)
	}
	return req
}

// send sends req through c and reads the answer.
func send(tb testing.TB, c *http.Client, req *http.Request) response {
	tb.Helper()
	body, err := req.GetBody()
	if err != nil {
		tb.Fatal(err)
	}
	raw := new(bytes.Buffer)
	if _, err := raw.ReadFrom(body); err != nil {
		tb.Fatal(err)
	}
	return doWith(tb, c, req.Method, req.URL.String(), req.Header, raw.Bytes())
}

// wantDenied checks a policy's 403: "User: {caller} is not authorized to perform:
// execute-api:Invoke on resource: ..." when the resource policy decides, "User is not
// authorized to access this resource ..." when the caller's identity policy does; explicit is
// the text an explicit deny adds ("" for none).
func wantDenied(t *testing.T, r response, caller, explicit string) {
	t.Helper()
	body := string(r.body)
	byResource := strings.Contains(body, "User: "+caller+" is not authorized to perform: execute-api:Invoke")
	byIdentity := strings.Contains(body, "User is not authorized to access this resource")
	if r.status != http.StatusForbidden || !(byResource || byIdentity) || !strings.Contains(body, explicit) {
		t.Errorf("got %d %s, want 403 denying %s %s", r.status, body, caller, explicit)
	}
}

// TestIAMTablesEndToEnd signs requests with the local principals' keys and checks every cell of
// the two tables of "How API Gateway resource policies affect authorization workflow"
// (apigateway-authorization-flow.html): Table A, same account (IAM authentication): an explicit
// Deny in either policy denies; otherwise an Allow in either allows; neither: implicit deny.
// Table B, cross account: explicit Deny in either denies; allowed only when both allow.
func TestIAMTablesEndToEnd(t *testing.T) {
	const explicit, implicit = "with an explicit deny", ""
	type cell struct {
		path   string
		status int
		deny   string // text the 403 must carry: explicit or implicit
	}
	same := func(allow, silent, deny cell) []cell { return []cell{allow, silent, deny} }
	ok := func(p string) cell { return cell{path: p, status: 200} }
	no := func(p, d string) cell { return cell{path: p, status: 403, deny: d} }
	rows := []struct {
		name   string
		caller string // role logical ID prefix or ARN
		policy string // --identity-policies document for MyRole ("" default: Allow)
		cells  []cell
	}{
		// Table A: identity Allow.
		{"same account, identity Allow", "Allowed", "", same(ok("/rp-allow"), ok("/rp-silent"), no("/rp-deny", explicit))},
		// Table A: identity silent: the resource policy alone decides.
		{"same account, identity silent", "Silent", "", same(ok("/rp-allow"), no("/rp-silent", implicit), no("/rp-deny", explicit))},
		// Table A: identity explicit Deny wins over the resource policy's Allow.
		{"same account, identity Deny", "Denied", "", same(no("/rp-allow", explicit), no("/rp-silent", explicit), no("/rp-deny", explicit))},
		// Table B: both must allow.
		{"cross account, identity Allow", partnerRole, "", same(ok("/rp-allow"), no("/rp-silent", implicit), no("/rp-deny", explicit))},
		{"cross account, identity silent", partnerRole, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
			same(no("/rp-allow", implicit), no("/rp-silent", implicit), no("/rp-deny", explicit))},
		{"cross account, identity Deny", partnerRole, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}]}`,
			same(no("/rp-allow", explicit), no("/rp-silent", explicit), no("/rp-deny", explicit))},
	}
	defaultGW := startIAM(t, "")
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			g := defaultGW
			if row.policy != "" {
				file := filepath.Join(t.TempDir(), "identity-policies.json")
				if err := os.WriteFile(file, []byte(`{"`+partnerRole+`":`+row.policy+`}`), 0o600); err != nil {
					t.Fatal(err)
				}
				g = startIAM(t, file)
			}
			p := g.principal(t, row.caller)
			for _, c := range row.cells {
				r := send(t, client, signed(t, p, "GET", g.run.URL+"/"+tablesID+"/prod"+c.path, nil, nil, time.Now()))
				if c.status == 200 {
					var ev struct {
						RequestContext struct {
							Identity map[string]any `json:"identity"`
						} `json:"requestContext"`
					}
					decodeEcho(t, r, &ev)
					// The caller in requestContext.identity, as recorded on AWS (see local/gateway
					// events.go identityV1).
					id := ev.RequestContext.Identity
					if id["userArn"] != p.Caller.ARN || id["accessKey"] != p.AccessKeyID || id["accountId"] != p.Caller.AccountID || id["caller"] != p.Caller.UserID {
						t.Errorf("%s: identity %v, want the caller %+v", c.path, id, p.Caller)
					}
					continue
				}
				wantDenied(t, r, p.Caller.ARN, c.deny)
				if c.deny == implicit && strings.Contains(string(r.body), explicit) {
					t.Errorf("%s: %s, want an implicit deny", c.path, r.body)
				}
			}
		})
	}
}

// TestIAMSeedPolicyEndToEnd is the seed's policy (notes: allow a CIDR and the cross-account
// role arn:aws:iam::098765432109:role/MyRole, explicit Deny for everyone else) with the CIDR
// 127.0.0.2/32, on an open and an IAM method.
func TestIAMSeedPolicyEndToEnd(t *testing.T) {
	g := startIAM(t, "")
	inside, outside := clientFrom("127.0.0.2"), clientFrom("127.0.0.1")
	open, iamURL := g.run.URL+"/"+seedID+"/prod/open", g.run.URL+"/"+seedID+"/prod/signed"
	myRole, allowed, silent := g.principal(t, partnerRole), g.principal(t, "Allowed"), g.principal(t, "Silent")

	if r := getFrom(t, inside, open, nil); r.status != 200 {
		t.Errorf("anonymous from the CIDR: %d %s, want 200", r.status, r.body)
	}
	wantDenied(t, getFrom(t, outside, open, nil), "anonymous", "with an explicit deny")
	for _, tt := range []struct {
		name   string
		c      *http.Client
		p      credentials.Principal
		status int
	}{
		// Table B: MyRole's own policy allows (the default assumption) and the policy names it.
		{"MyRole from outside the CIDR", outside, myRole, 200},
		// The explicit Deny covers a same-account role outside the CIDR: it is not MyRole.
		{"same-account role outside the CIDR", outside, allowed, 403},
		// Table A: the CIDR statement (Principal *) allows; a same-account caller needs no more.
		{"same-account role inside the CIDR", inside, allowed, 200},
		{"same-account role without identity policy inside the CIDR", inside, silent, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, tt.c, signed(t, tt.p, "GET", iamURL, nil, nil, time.Now()))
			if tt.status == 403 {
				wantDenied(t, r, tt.p.Caller.ARN, "with an explicit deny")
			} else if r.status != tt.status {
				t.Errorf("got %d %s, want %d", r.status, r.body, tt.status)
			}
		})
	}
	// An unsigned call to the IAM method: the cloud's answer to a request without a signature.
	if r := getFrom(t, inside, iamURL, nil); r.status != 403 || !strings.Contains(string(r.body), "Missing Authentication Token") {
		t.Errorf("unsigned: %d %s, want 403 Missing Authentication Token", r.status, r.body)
	}
}

// TestIAMSignaturesEndToEnd sends SigV4-signed requests through portico serve, signed by
// aws-sdk-go-v2 and by curl --aws-sigv4, to every API type, and changes them after signing.
func TestIAMSignaturesEndToEnd(t *testing.T) {
	g := startIAM(t, "")
	allowed := g.principal(t, "Allowed")
	restIAM := g.run.URL + "/" + benchID + "/prod/iam"
	httpIAM := g.run.URL + "/" + iamHTTPID + "/iam"
	mismatch := "The request signature we calculated does not match the signature you provided"

	t.Run("REST and HTTP: valid, the caller in the event", func(t *testing.T) {
		var rest struct {
			RequestContext struct {
				Identity map[string]any `json:"identity"`
			} `json:"requestContext"`
		}
		decodeEcho(t, send(t, client, signed(t, allowed, "GET", restIAM+"?q=1", nil, nil, time.Now())), &rest)
		if rest.RequestContext.Identity["userArn"] != allowed.Caller.ARN {
			t.Errorf("REST identity %v, want userArn %s", rest.RequestContext.Identity, allowed.Caller.ARN)
		}
		// HTTP API: requestContext.authorizer.iam (aws-lambda-go events/testdata/apigw-v2-request-iam.json).
		var http2 struct {
			RequestContext struct {
				Authorizer struct {
					IAM map[string]any `json:"iam"`
				} `json:"authorizer"`
			} `json:"requestContext"`
		}
		decodeEcho(t, send(t, client, signed(t, allowed, "GET", httpIAM, nil, nil, time.Now())), &http2)
		if iam := http2.RequestContext.Authorizer.IAM; iam["userArn"] != allowed.Caller.ARN || iam["accessKey"] != allowed.AccessKeyID || iam["callerId"] != allowed.Caller.UserID {
			t.Errorf("HTTP authorizer.iam %v, want the caller %+v", iam, allowed.Caller)
		}
	})

	t.Run("changed or badly signed", func(t *testing.T) {
		now := time.Now()
		other := allowed
		other.SecretAccessKey = "wrong" + other.SecretAccessKey[5:]
		noToken, badToken, unknown := allowed, allowed, allowed
		noToken.SessionToken = ""
		badToken.SessionToken = "x" + allowed.SessionToken[1:]
		unknown.AccessKeyID = "ASIAUNKNOWN000000000"
		changeQuery := signed(t, allowed, "GET", restIAM+"?q=1", nil, nil, now)
		changeQuery.URL.RawQuery = "q=2"
		changePath := signed(t, allowed, "GET", g.run.URL+"/"+tablesID+"/prod/rp-silent", nil, nil, now)
		changePath.URL.Path = "/" + tablesID + "/prod/rp-allow"
		changeHeader := signed(t, allowed, "GET", restIAM, http.Header{"X-Partner": {"a"}}, nil, now)
		changeHeader.Header.Set("X-Partner", "b")
		changeBody := signed(t, allowed, "GET", restIAM, nil, []byte("signed"), now)
		changeBody.Body, changeBody.GetBody = nil, func() (rc io.ReadCloser, err error) { return io.NopCloser(strings.NewReader("changed")), nil }
		for _, tt := range []struct {
			name string
			req  *http.Request
			want string
		}{
			{"wrong secret", signed(t, other, "GET", restIAM, nil, nil, now), mismatch},
			{"query changed", changeQuery, mismatch},
			{"path changed", changePath, mismatch},
			{"signed header changed", changeHeader, mismatch},
			{"body changed", changeBody, mismatch},
			{"expired", signed(t, allowed, "GET", restIAM, nil, nil, now.Add(-6*time.Minute)), "Signature expired"},
			{"future-dated", signed(t, allowed, "GET", restIAM, nil, nil, now.Add(6*time.Minute)), "Signature not yet current"},
			{"unknown access key", signed(t, unknown, "GET", restIAM, nil, nil, now), "The security token included in the request is invalid"},
			{"missing session token", signed(t, noToken, "GET", restIAM, nil, nil, now), "The security token included in the request is invalid"},
			{"wrong session token", signed(t, badToken, "GET", restIAM, nil, nil, now), "The security token included in the request is invalid"},
			{"HTTP API, wrong secret", signed(t, other, "GET", httpIAM, nil, nil, now), mismatch},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if r := send(t, client, tt.req); r.status != 403 || !strings.Contains(string(r.body), tt.want) {
					t.Errorf("got %d %s, want 403 %q", r.status, r.body, tt.want)
				}
			})
		}
	})

	t.Run("presigned URL", func(t *testing.T) {
		creds := aws.Credentials{AccessKeyID: allowed.AccessKeyID, SecretAccessKey: allowed.SecretAccessKey, SessionToken: allowed.SessionToken}
		presign := func(at time.Time) string {
			req, _ := http.NewRequest("GET", restIAM+"?X-Amz-Expires=60", nil)
			empty := sha256.Sum256(nil)
			url, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hex.EncodeToString(empty[:]), "execute-api", region, at)
			if err != nil {
				t.Fatal(err)
			}
			return url
		}
		if r := do(t, "GET", presign(time.Now()), nil, nil); r.status != 200 {
			t.Errorf("presigned: %d %s, want 200", r.status, r.body)
		}
		if r := do(t, "GET", presign(time.Now().Add(-2*time.Minute)), nil, nil); r.status != 403 || !strings.Contains(string(r.body), "Signature expired") {
			t.Errorf("presigned 2 minutes ago for 60 s: %d %s, want 403 Signature expired", r.status, r.body)
		}
	})

	t.Run("curl --aws-sigv4", func(t *testing.T) {
		testtool.Find(t, "curl", "apt-get install curl")
		curl := func(p credentials.Principal, url string) (string, string) {
			args := []string{"-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", "--aws-sigv4", "aws:amz:" + region + ":execute-api",
				"--user", p.AccessKeyID + ":" + p.SecretAccessKey, "-H", "X-Amz-Security-Token: " + p.SessionToken, url}
			out, err := exec.Command("curl", args...).Output()
			if err != nil {
				t.Fatalf("curl: %v", err)
			}
			i := strings.LastIndex(string(out), "\n") // -w puts the status on the last line
			return string(out[i+1:]), string(out[:max(i, 0)])
		}
		for _, url := range []string{restIAM, httpIAM} {
			if status, body := curl(allowed, url); status != "200" || !strings.Contains(body, allowed.Caller.ARN) {
				t.Errorf("curl %s: %s %s, want 200 with the caller in the event", url, status, body)
			}
		}
		wrong := allowed
		wrong.SecretAccessKey = "wrong" + wrong.SecretAccessKey[5:]
		if status, body := curl(wrong, restIAM); status != "403" || !strings.Contains(body, mismatch) {
			t.Errorf("curl with a wrong secret: %s %s, want 403 signature mismatch", status, body)
		}
		// WebSocket $connect: curl signs the upgrade request (its -H headers too) and prints the
		// answer's head; after a 101 it waits on the open connection until --max-time.
		upgrade := func(p credentials.Principal) string {
			args := []string{"-sS", "-i", "--max-time", "2", "--aws-sigv4", "aws:amz:" + region + ":execute-api", "--user", p.AccessKeyID + ":" + p.SecretAccessKey,
				"-H", "X-Amz-Security-Token: " + p.SessionToken, "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
				"-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", serve.WebSocketURL(g.run.URL, iamWSID, "prod")}
			args[len(args)-1] = "http" + strings.TrimPrefix(args[len(args)-1], "ws")
			out, _ := exec.Command("curl", args...).Output() // exit 28 after a 101: the connection stays open
			status, _, _ := strings.Cut(string(out), "\r\n")
			return status
		}
		if got := upgrade(allowed); got != "HTTP/1.1 101 Switching Protocols" {
			t.Errorf("curl WebSocket $connect: %q, want 101", got)
		}
		if got := upgrade(wrong); got != "HTTP/1.1 403 Forbidden" {
			t.Errorf("curl WebSocket $connect with a wrong secret: %q, want 403", got)
		}
	})

	t.Run("HTTP API: identity policy alone", func(t *testing.T) {
		for _, name := range []string{"Silent", partnerRole} {
			r := send(t, client, signed(t, g.principal(t, name), "GET", httpIAM, nil, nil, time.Now()))
			// HTTP APIs answer {"message":"Forbidden"} (aws/aws-cdk issue #21182).
			if r.status != 403 || strings.TrimSpace(string(r.body)) != `{"message":"Forbidden"}` {
				t.Errorf("%s: %d %s, want 403 Forbidden", name, r.status, r.body)
			}
		}
	})

	t.Run("WebSocket $connect", func(t *testing.T) {
		wsURL := serve.WebSocketURL(g.run.URL, iamWSID, "prod")
		dial := func(p *credentials.Principal) (int, error) {
			header := http.Header{}
			if p != nil {
				header = signed(t, *p, "GET", "http"+strings.TrimPrefix(wsURL, "ws"), nil, nil, time.Now()).Header
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: header})
			if err == nil {
				c.Close(websocket.StatusNormalClosure, "")
				return http.StatusSwitchingProtocols, nil
			}
			if resp == nil {
				return 0, err
			}
			return resp.StatusCode, nil
		}
		silent := g.principal(t, "Silent")
		for _, tt := range []struct {
			name   string
			p      *credentials.Principal
			status int
		}{
			{"signed by a role allowed to invoke", &allowed, http.StatusSwitchingProtocols},
			{"signed by a role without execute-api:Invoke", &silent, http.StatusForbidden},
			{"unsigned", nil, http.StatusForbidden},
		} {
			if status, err := dial(tt.p); status != tt.status {
				t.Errorf("%s: status %d (%v), want %d", tt.name, status, err, tt.status)
			}
		}
	})

	t.Run("@connections", func(t *testing.T) {
		// An unknown connection answers 410 once the caller is authorized, 403 before.
		url := serve.CallbackURL(g.run.URL, iamWSID, "prod") + "/@connections/nobody"
		if r := send(t, client, signed(t, g.principal(t, "Sender"), "POST", url, nil, []byte("hi"), time.Now())); r.status != http.StatusGone {
			t.Errorf("Sender (execute-api:ManageConnections on the stage): %d %s, want 410 GoneException", r.status, r.body)
		}
		r := send(t, client, signed(t, g.principal(t, "Silent"), "POST", url, nil, []byte("hi"), time.Now()))
		var body struct{ Message string }
		_ = json.Unmarshal(r.body, &body)
		if r.status != http.StatusForbidden || r.header.Get("X-Amzn-ErrorType") != "AccessDeniedException" || !strings.Contains(body.Message, "is not authorized to perform: execute-api:ManageConnections") {
			t.Errorf("Silent (no grant): %d %v %s, want 403 AccessDeniedException", r.status, r.header, r.body)
		}
	})
}
