package jwt_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkVerify is a warm verification (keys cached) of a Cognito-shaped ID token. Compare
// with BenchmarkRSAVerifyPKCS1v15 from the same run: the target is at most 1.3x.
func BenchmarkVerify(b *testing.B) {
	iss := newIssuer(b)
	srv := newJWKSServer(b, iss)
	v := newVerifier(b, config(srv.URL, "id"))
	token := mint(b, iss, iss.IDClaims(client, "ada", "admins", "users"))
	ctx := context.Background()
	if _, err := v.Verify(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		b.Fatalf("warm path fetched the JWKS %d times, want 1 in all", n)
	}
}

// BenchmarkVerifyRatio alternates one warm Verify and one bare RSA check of the same token in
// each iteration and reports the ratio of their median times ("x-rsa"), which stays meaningful on
// a busy machine where two separate benchmarks see different load.
func BenchmarkVerifyRatio(b *testing.B) {
	iss := newIssuer(b)
	srv := newJWKSServer(b, iss)
	v := newVerifier(b, config(srv.URL, "id"))
	token := mint(b, iss, iss.IDClaims(client, "ada", "admins", "users"))
	ctx := context.Background()
	rsaVerify := bareVerifier(b, iss.PublicKey(), token)
	var tVerify, tRSA []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if err := rsaVerify(); err != nil {
			b.Fatal(err)
		}
		tVerify, tRSA = append(tVerify, mid.Sub(start)), append(tRSA, time.Since(mid))
	}
	b.ReportMetric(float64(median(tVerify))/float64(median(tRSA)), "x-rsa")
}

// bareVerifier returns the floor: SHA-256 of the token's signing input and the bare RSA check
// of its signature.
func bareVerifier(b *testing.B, pub *rsa.PublicKey, token string) func() error {
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	input := []byte(token[:i])
	return func() error {
		sum := sha256.Sum256(input)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	}
}

// BenchmarkRSAVerifyPKCS1v15 is the floor: SHA-256 of the same token's signing input and the
// bare RSA check of its signature.
func BenchmarkRSAVerifyPKCS1v15(b *testing.B) {
	iss := newIssuer(b)
	token := mint(b, iss, iss.IDClaims(client, "ada", "admins", "users"))
	rsaVerify := bareVerifier(b, iss.PublicKey(), token)
	b.ReportAllocs()
	for b.Loop() {
		if err := rsaVerify(); err != nil {
			b.Fatal(err)
		}
	}
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
