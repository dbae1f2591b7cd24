package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"

	"github.com/portico-dev/portico/local/access/check"
)

const unsignedPayload = "UNSIGNED-PAYLOAD"

// checkSignature recomputes the signature with aws-sdk-go-v2's signer over a copy of r that
// holds exactly the headers the client signed, at the client's time, with the key's secret,
// and compares it with the client's.
//
// What the SDK's signer does, and so what this accepts (aws/signer/v4/v4.go, internal/v4):
//   - it signs host from Host, and content-length only when the length is above 0;
//   - it never signs Authorization, User-Agent, X-Amzn-Trace-Id, Expect, Transfer-Encoding
//     (IgnoredHeaders), and in the header form always signs X-Amz-Date;
//   - it escapes the escaped path once more (execute-api is not S3), as the cloud does;
//   - it sorts the query by encoded name and value.
//
// A client that signed differently (one of the ignored headers, content-length: 0, no
// X-Amz-Date) gets a signature list the SDK does not reproduce; such a request is refused as a
// mismatch with the reason in the log rather than verified by a second, hand-written canonical
// request.
func (c *claim) checkSignature(r *http.Request, body []byte, secret, region string) *check.Denial {
	hash, wrongHash := payloadHash(r, body)
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return mismatch("", "the query string "+quote(r.URL.RawQuery)+" is not name=value pairs joined by '&': "+err.Error())
	}
	q.Del(qSignature)
	req := &http.Request{Method: r.Method, Host: r.Host, Header: http.Header{},
		URL: &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: q.Encode()}}
	for _, name := range strings.Split(c.signedHeaders, ";") {
		switch name {
		case "host": // the signer takes it from req.Host
		case "content-length":
			req.ContentLength = r.ContentLength
		default:
			key := textproto.CanonicalMIMEHeaderKey(name)
			req.Header[key] = append(req.Header[key], r.Header.Values(name)...)
		}
	}

	var log signingLog
	creds := aws.Credentials{AccessKeyID: c.accessKeyID, SecretAccessKey: secret} // the token, if any, is in req already
	opts := func(o *v4.SignerOptions) {
		o.DisableHeaderHoisting = true // the client's signed headers stay headers
		o.Logger, o.LogSigning = &log, true
	}
	signer := v4.NewSigner()
	var got claim
	if c.presigned {
		signed, _, err := signer.PresignHTTP(context.Background(), creds, req, hash, service, region, c.time, opts)
		if err != nil {
			return mismatch("", "the SDK's signer failed: "+err.Error())
		}
		u, _ := url.Parse(signed) // the signer's own URL
		got.signedHeaders, got.signature = u.Query().Get(qSignedHeaders), u.Query().Get(qSignature)
	} else {
		if err := signer.SignHTTP(context.Background(), creds, req, hash, service, region, c.time, opts); err != nil {
			return mismatch("", "the SDK's signer failed: "+err.Error())
		}
		g, _ := parseHeader(req.Header.Get("Authorization"), req.Header) // the signer's own header
		if g != nil {
			got = *g
		}
	}

	if wrongHash != "" {
		return mismatch(log.quoted(), wrongHash)
	}
	if got.signedHeaders != c.signedHeaders {
		return mismatch(log.quoted(), "the client signed the headers "+quote(c.signedHeaders)+"; aws-sdk-go-v2's signer, which Portico verifies with, signs "+
			quote(got.signedHeaders)+" of this request (it never signs User-Agent, X-Amzn-Trace-Id, Expect, Transfer-Encoding or a zero Content-Length, and always signs X-Amz-Date)")
	}
	if !hmac.Equal([]byte(got.signature), []byte(c.signature)) {
		return mismatch(log.quoted(), "the signature "+quote(c.signature)+" is not the one computed with the secret of "+quote(c.accessKeyID))
	}
	return nil
}

// payloadHash is the payload line of the canonical request: X-Amz-Content-Sha256 when it is
// UNSIGNED-PAYLOAD, else the body's hex SHA-256. A sent X-Amz-Content-Sha256 that is neither
// is refused, after the signature is computed so that the answer quotes the canonical request:
// wrong is then why.
func payloadHash(r *http.Request, body []byte) (hash, wrong string) {
	sent := r.Header.Get("X-Amz-Content-Sha256")
	if sent == unsignedPayload {
		return sent, ""
	}
	sum := sha256.Sum256(body)
	hash = hex.EncodeToString(sum[:])
	if sent != "" && !hmac.Equal([]byte(sent), []byte(hash)) {
		wrong = "X-Amz-Content-Sha256 " + quote(sent) + " is neither UNSIGNED-PAYLOAD nor the body's SHA-256 " + hash
	}
	return hash, wrong
}

// signingLog receives the canonical request and string to sign from the SDK's signer
// (SignerOptions.LogSigning), which the mismatch answer quotes as the cloud does.
type signingLog struct{ canonical, stringToSign string }

// quoted is the canonical request and string to sign as the cloud appends them to a mismatch
// answer.
func (l *signingLog) quoted() string {
	return "\n\nThe Canonical String for this request should have been\n'" + l.canonical +
		"'\n\nThe String-to-Sign should have been\n'" + l.stringToSign + "'\n"
}

// Logf keeps the signer's first two arguments: the canonical string and the string to sign
// (logSignInfoMsg in aws/signer/v4/v4.go).
func (l *signingLog) Logf(_ logging.Classification, _ string, v ...any) {
	if len(v) >= 2 {
		l.canonical, _ = v[0].(string)
		l.stringToSign, _ = v[1].(string)
	}
}
