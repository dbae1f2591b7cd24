package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/portico-dev/portico/local/access/check"
)

const region = "us-east-1"

var (
	userKey = Key{AccessKeyID: "AKIAPORTICOUSER00001", SecretAccessKey: "user-secret",
		Caller: check.Caller{AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:user/dev", PrincipalARN: "arn:aws:iam::123456789012:user/dev", UserID: "AIDAPORTICOUSER00001"}}
	roleKey = Key{AccessKeyID: "ASIAPORTICOROLE00001", SecretAccessKey: "role-secret", SessionToken: "role-session-token",
		Caller: check.Caller{AccountID: "123456789012", ARN: "arn:aws:sts::123456789012:assumed-role/Fn/portico", PrincipalARN: "arn:aws:iam::123456789012:role/Fn", UserID: "AROAPORTICOROLE00001:portico"}}
	// signedAt is when the tests' requests are signed; the verifier's clock is set around it.
	signedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

type keyMap map[string]Key

func (m keyMap) Key(id string) (Key, bool) { k, ok := m[id]; return k, ok }

func keys() keyMap { return keyMap{userKey.AccessKeyID: userKey, roleKey.AccessKeyID: roleKey} }

// answer is what the loopback server answered.
type answer struct {
	status                     int
	message, errType, respType string
	caller                     string
}

// serve starts a loopback server whose handler verifies each request at now (nil: the real
// clock) and answers the denial as the gateway would, or 200 with the caller's ARN.
func serve(t testing.TB, now func() time.Time) *httptest.Server {
	v := &Verifier{Keys: keys(), Now: now}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		caller, err := v.Verify(r, body, region)
		var d *check.Denial
		if errors.As(err, &d) {
			w.Header().Set("x-amzn-ErrorType", d.Type)
			w.Header().Set("X-Test-Response-Type", d.ResponseType)
			w.WriteHeader(d.Status)
			_, _ = w.Write(d.Body())
			return
		}
		if err != nil {
			http.Error(w, "not a denial: "+err.Error(), 500)
			return
		}
		_, _ = io.WriteString(w, caller.ARN)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func send(t *testing.T, srv *httptest.Server, req *http.Request) answer {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return read(t, resp.StatusCode, resp.Header, b)
}

func read(t *testing.T, status int, h http.Header, b []byte) answer {
	t.Helper()
	a := answer{status: status, errType: h.Get("x-amzn-ErrorType"), respType: h.Get("X-Test-Response-Type")}
	if status == http.StatusOK {
		a.caller = string(b)
		return a
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("status %d body %q: %v", status, b, err)
	}
	a.message = m["message"]
	return a
}

func hashOf(body string) string {
	s := sha256.Sum256([]byte(body))
	return hex.EncodeToString(s[:])
}

// newRequest is a request to the server, signed by aws-sdk-go-v2's signer with k for service
// in signRegion at signedAt.
func newRequest(t *testing.T, srv *httptest.Server, method, pathQuery, body string, k Key, signRegion, svc string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+pathQuery, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	creds := aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, SessionToken: k.SessionToken}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashOf(body), svc, signRegion, signedAt); err != nil {
		t.Fatal(err)
	}
	return req
}

func at(offset time.Duration) func() time.Time {
	return func() time.Time { return signedAt.Add(offset) }
}

// The expected answers. Sources are in denials.go; each case names its own.
var (
	ok                = answer{status: 200}
	invalidTokenAns   = answer{status: 403, message: "The security token included in the request is invalid.", errType: "AccessDeniedException", respType: "ACCESS_DENIED"} // [KC403]
	mismatchPrefixAns = answer{status: 403, message: msgMismatch, errType: "InvalidSignatureException", respType: "INVALID_SIGNATURE"}                                      // [KCSIG]
)

// expect compares got with want: a mismatch's message only by its prefix (the canonical request
// follows, [APIGW-MISMATCH]), a success by the caller.
func expect(t *testing.T, got, want answer, caller string) {
	t.Helper()
	if want.status == http.StatusOK {
		if got.status != 200 || got.caller != caller {
			t.Fatalf("got %+v, want 200 for %s", got, caller)
		}
		return
	}
	msgOK := got.message == want.message
	if want.message == msgMismatch {
		msgOK = strings.HasPrefix(got.message, msgMismatch+"\n\nThe Canonical String for this request should have been\n'") &&
			strings.Contains(got.message, "'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n")
	}
	if got.status != want.status || !msgOK || got.errType != want.errType || got.respType != want.respType {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestSDKHeaderForm(t *testing.T) {
	user, role := userKey.Caller.ARN, roleKey.Caller.ARN
	cases := []struct {
		name   string
		now    time.Duration
		req    func(t *testing.T, srv *httptest.Server) *http.Request
		want   answer
		caller string
	}{
		{"GET with query", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			return newRequest(t, s, "GET", "/prod/pets/a%20b?z=1&a=2&a=1&q=x%2Fy", "", userKey, region, service)
		}, ok, user},
		{"POST with body", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			return newRequest(t, s, "POST", "/prod/pets", `{"name":"rex"}`, userKey, region, service)
		}, ok, user},
		{"session token", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			return newRequest(t, s, "POST", "/prod/@connections/abc", `hello`, roleKey, region, service)
		}, ok, role},
		{"UNSIGNED-PAYLOAD", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			req, _ := http.NewRequest("POST", s.URL+"/prod/pets", strings.NewReader("body"))
			req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
			creds := aws.Credentials{AccessKeyID: userKey.AccessKeyID, SecretAccessKey: userKey.SecretAccessKey}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, unsignedPayload, service, region, signedAt); err != nil {
				t.Fatal(err)
			}
			return req
		}, ok, user},
		{"wrong secret", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			k := userKey
			k.SecretAccessKey = "not-the-secret"
			return newRequest(t, s, "GET", "/prod/pets", "", k, region, service)
		}, mismatchPrefixAns, ""},
		{"path changed", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			req := newRequest(t, s, "GET", "/prod/pets/1", "", userKey, region, service)
			req.URL.Path = "/prod/pets/2"
			return req
		}, mismatchPrefixAns, ""},
		{"query changed", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			req := newRequest(t, s, "GET", "/prod/pets?limit=1", "", userKey, region, service)
			req.URL.RawQuery = "limit=100"
			return req
		}, mismatchPrefixAns, ""},
		{"signed header changed", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			req := newRequest(t, s, "POST", "/prod/pets", `{}`, userKey, region, service)
			req.Header.Set("Content-Type", "text/plain")
			return req
		}, mismatchPrefixAns, ""},
		{"body changed", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			req := newRequest(t, s, "POST", "/prod/pets", `{"a":1}`, userKey, region, service)
			req.Body = io.NopCloser(strings.NewReader(`{"a":2}`))
			return req
		}, mismatchPrefixAns, ""},
		{"X-Amz-Content-Sha256 not the body's", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			req, _ := http.NewRequest("POST", s.URL+"/prod/pets", strings.NewReader("body"))
			req.Header.Set("X-Amz-Content-Sha256", hashOf("other"))
			creds := aws.Credentials{AccessKeyID: userKey.AccessKeyID, SecretAccessKey: userKey.SecretAccessKey}
			_ = v4.NewSigner().SignHTTP(context.Background(), creds, req, hashOf("other"), service, region, signedAt)
			return req
		}, mismatchPrefixAns, ""},
		// The format of API Gateway's answer: "Signature expired: 20170517T062414Z is now earlier
		// than 20170517T062840Z (20170517T063340Z - 5 min.)" (kouhan.cn article on API Gateway's
		// InvalidSignatureException; [KC403] names the type).
		{"expired", 5*time.Minute + time.Second, func(t *testing.T, s *httptest.Server) *http.Request {
			return newRequest(t, s, "GET", "/prod/pets", "", userKey, region, service)
		}, answer{status: 403, message: "Signature expired: 20260102T030405Z is now earlier than 20260102T030406Z (20260102T030906Z - 5 min.)",
			errType: "InvalidSignatureException", respType: "EXPIRED_TOKEN"}, ""},
		{"within the skew", 5 * time.Minute, func(t *testing.T, s *httptest.Server) *http.Request {
			return newRequest(t, s, "GET", "/prod/pets", "", userKey, region, service)
		}, ok, user},
		// "Signature not yet current: date is still later than date" (IAM guide,
		// signature-v4-troubleshooting.html), with the parenthesis of the expired form.
		{"future-dated", -5*time.Minute - time.Second, func(t *testing.T, s *httptest.Server) *http.Request {
			return newRequest(t, s, "GET", "/prod/pets", "", userKey, region, service)
		}, answer{status: 403, message: "Signature not yet current: 20260102T030405Z is still later than 20260102T030404Z (20260102T025904Z + 5 min.)",
			errType: "InvalidSignatureException", respType: "EXPIRED_TOKEN"}, ""},
		{"unknown access key", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			k := userKey
			k.AccessKeyID = "AKIAUNKNOWN000000000"
			return newRequest(t, s, "GET", "/prod/pets", "", k, region, service)
		}, invalidTokenAns, ""},
		{"missing session token", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			k := roleKey
			k.SessionToken = ""
			return newRequest(t, s, "GET", "/prod/pets", "", k, region, service)
		}, invalidTokenAns, ""},
		{"wrong session token", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			k := roleKey
			k.SessionToken = "another-session"
			return newRequest(t, s, "GET", "/prod/pets", "", k, region, service)
		}, invalidTokenAns, ""},
		{"session token for a permanent key", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			k := userKey
			k.SessionToken = "some-token"
			return newRequest(t, s, "GET", "/prod/pets", "", k, region, service)
		}, invalidTokenAns, ""},
		// [CORAL]: the scope sentences as DynamoDB answers them.
		{"wrong region", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			return newRequest(t, s, "GET", "/prod/pets", "", userKey, "us-west-2", service)
		}, answer{status: 403, message: "Credential should be scoped to a valid region, not 'us-west-2'.", errType: "InvalidSignatureException", respType: "INVALID_SIGNATURE"}, ""},
		{"wrong service", 0, func(t *testing.T, s *httptest.Server) *http.Request {
			return newRequest(t, s, "GET", "/prod/pets", "", userKey, region, "lambda")
		}, answer{status: 403, message: "Credential should be scoped to correct service: 'execute-api'.", errType: "InvalidSignatureException", respType: "INVALID_SIGNATURE"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := serve(t, at(c.now))
			expect(t, send(t, srv, c.req(t, srv)), c.want, c.caller)
		})
	}
}

func TestSDKPresigned(t *testing.T) {
	presign := func(t *testing.T, srv *httptest.Server, k Key, expires string) *http.Request {
		req, _ := http.NewRequest("GET", srv.URL+"/prod/pets?limit=5&X-Amz-Expires="+expires, nil)
		creds := aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, SessionToken: k.SessionToken}
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hashOf(""), service, region, signedAt)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := http.NewRequest("GET", u, nil)
		return out
	}
	cases := []struct {
		name    string
		now     time.Duration
		k       Key
		expires string
		want    answer
		caller  string
	}{
		{"valid", 59 * time.Second, userKey, "60", ok, userKey.Caller.ARN},
		{"valid with session token", 0, roleKey, "60", ok, roleKey.Caller.ARN},
		{"expired", 61 * time.Second, userKey, "60", answer{status: 403,
			message: "Signature expired: 20260102T030405Z is now earlier than 20260102T030406Z (20260102T030506Z - 60 sec.)", errType: "InvalidSignatureException", respType: "EXPIRED_TOKEN"}, ""},
		// S3's wording for X-Amz-Expires above a week (AuthorizationQueryParametersError).
		{"expires above a week", 0, userKey, "604801", answer{status: 403,
			message: "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds", errType: "IncompleteSignatureException", respType: "INVALID_SIGNATURE"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := serve(t, at(c.now))
			expect(t, send(t, srv, presign(t, srv, c.k, c.expires)), c.want, c.caller)
		})
	}
	t.Run("query changed", func(t *testing.T) {
		srv := serve(t, at(0))
		req := presign(t, srv, userKey, "60")
		req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "limit=5", "limit=6", 1)
		expect(t, send(t, srv, req), mismatchPrefixAns, "")
	})
}

func TestMalformed(t *testing.T) {
	srv := serve(t, at(0))
	cases := []struct {
		name    string
		headers map[string]string
		want    answer
	}{
		// [KC403]
		{"no signature", nil, answer{status: 403, message: "Missing Authentication Token", errType: "MissingAuthenticationTokenException", respType: "MISSING_AUTHENTICATION_TOKEN"}},
		// serverless/serverless#3205: API Gateway's answer to "Bearer sometoken".
		{"bearer token", map[string]string{"Authorization": "Bearer sometoken"}, answer{status: 403,
			message: "'sometoken' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer sometoken'.", errType: "IncompleteSignatureException", respType: "INVALID_SIGNATURE"}},
		// aws/chalice#828: API Gateway's answer to a bare JWT without date headers.
		{"bare token", map[string]string{"Authorization": "eyJ0eXAi.eyJzdWIi.4f1Jho"}, answer{status: 403,
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=eyJ0eXAi.eyJzdWIi.4f1Jho",
			errType: "IncompleteSignatureException", respType: "INVALID_SIGNATURE"}},
		// [CORAL]
		{"date not ISO 8601", map[string]string{"X-Amz-Date": "201", "Authorization": "AWS4-HMAC-SHA256 Credential=" + userKey.AccessKeyID + "/20260102/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"},
			answer{status: 403, message: "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601", errType: "IncompleteSignatureException", respType: "INVALID_SIGNATURE"}},
		{"host not signed", map[string]string{"X-Amz-Date": "20260102T030405Z", "Authorization": "AWS4-HMAC-SHA256 Credential=" + userKey.AccessKeyID + "/20260102/us-east-1/execute-api/aws4_request, SignedHeaders=x-amz-date, Signature=00"},
			answer{status: 403, message: "'Host' must be a 'SignedHeader' in the AWS Authorization.", errType: "InvalidSignatureException", respType: "INVALID_SIGNATURE"}},
		{"algorithm", map[string]string{"X-Amz-Date": "20260102T030405Z", "Authorization": "AWS4-HMAC-SHA25 Credential=" + userKey.AccessKeyID + "/20260102/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"},
			answer{status: 403, message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). ", errType: "IncompleteSignatureException", respType: "INVALID_SIGNATURE"}},
		{"credential parts", map[string]string{"X-Amz-Date": "20260102T030405Z", "Authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host;x-amz-date, Signature=00"},
			answer{status: 403, message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'", errType: "IncompleteSignatureException", respType: "INVALID_SIGNATURE"}},
		{"whole scope wrong", map[string]string{"X-Amz-Date": "20260102T030405Z", "Authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host;x-amz-date, Signature=00"},
			answer{status: 403, message: "Credential should be scoped to a valid region, not 'c'. Credential should be scoped to correct service: 'execute-api'. Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20260102', from '20260102T030405Z'.",
				errType: "InvalidSignatureException", respType: "INVALID_SIGNATURE"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/prod/pets", nil)
			for k, v := range c.headers {
				req.Header.Set(k, v)
			}
			expect(t, send(t, srv, req), c.want, "")
		})
	}
}

// parseCurl reads curl -D - output: the head, a blank line, the body.
func parseCurl(t *testing.T, out []byte) answer {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
	if err != nil {
		t.Fatalf("curl output %q: %v", out, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return read(t, resp.StatusCode, resp.Header, b)
}
