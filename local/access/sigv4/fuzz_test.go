package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/portico-dev/portico/local/access/check"
)

// seedSecret signs the fuzz seeds; the verifier knows another secret for the same keys, so no
// input the fuzzer makes can be rightly accepted.
const seedSecret = "seed-secret-the-verifier-does-not-know"

// seeds are raw requests signed by aws-sdk-go-v2 (header form, presigned, with a session token).
func seeds(t testing.TB) [][]byte {
	var out [][]byte
	add := func(req *http.Request) {
		var b bytes.Buffer
		if err := req.Write(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b.Bytes())
	}
	signer := v4.NewSigner()
	for _, k := range []Key{userKey, roleKey} {
		creds := aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: seedSecret, SessionToken: k.SessionToken}
		body := `{"a":1}`
		req := httptest.NewRequest("POST", "http://abc123.execute-api.localhost/prod/pets/a%20b?x=1&y=2", strings.NewReader(body))
		if err := signer.SignHTTP(context.Background(), creds, req, hashOf(body), service, region, signedAt); err != nil {
			t.Fatal(err)
		}
		add(req)
		get := httptest.NewRequest("GET", "http://abc123.execute-api.localhost/prod/pets?X-Amz-Expires=60", nil)
		u, _, err := signer.PresignHTTP(context.Background(), creds, get, hashOf(""), service, region, signedAt)
		if err != nil {
			t.Fatal(err)
		}
		add(httptest.NewRequest("GET", u, nil))
	}
	return out
}

// verifyRaw verifies a raw request with the tests' keys at signedAt; nil when the bytes are
// not a request.
func verifyRaw(data []byte) (*check.Caller, error, bool) {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, nil, false
	}
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<16))
	v := &Verifier{Keys: keys(), Now: at(0)}
	c, err := v.Verify(req, body, region)
	return c, err, true
}

// FuzzVerify: no panic, every refusal a *check.Denial, and nothing accepted without the secret.
func FuzzVerify(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err, isRequest := verifyRaw(data)
		if !isRequest {
			return
		}
		if err == nil {
			t.Fatalf("accepted without the secret as %+v:\n%s", c, data)
		}
		var d *check.Denial
		if !errors.As(err, &d) {
			t.Fatalf("not a denial: %v", err)
		}
	})
}

// TestSeedsReachTheSignature: every seed passes the checks before the signature, so the fuzzer
// starts deep in Verify.
func TestSeedsReachTheSignature(t *testing.T) {
	for _, s := range seeds(t) {
		_, err, _ := verifyRaw(s)
		var d *check.Denial
		if !errors.As(err, &d) || !strings.HasPrefix(d.Message, msgMismatch) {
			t.Fatalf("seed %q: got %v, want a signature mismatch", s, err)
		}
	}
}

// BenchmarkVerify: a header-form POST with a small body, as a same-account SDK caller sends it.
func BenchmarkVerify(b *testing.B) {
	body := []byte(`{"name":"rex","kind":"dog"}`)
	req := httptest.NewRequest("POST", "http://abc123.execute-api.localhost/prod/pets?limit=5", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	creds := aws.Credentials{AccessKeyID: roleKey.AccessKeyID, SecretAccessKey: roleKey.SecretAccessKey, SessionToken: roleKey.SessionToken}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashOf(string(body)), service, region, signedAt); err != nil {
		b.Fatal(err)
	}
	v := &Verifier{Keys: keys(), Now: at(0)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(req, body, region); err != nil {
			b.Fatal(err)
		}
	}
}
