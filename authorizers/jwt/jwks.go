package jwt

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	gojwt "github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// keySource finds the RSA key for a kid. It builds the keyfunc/jwkset cache on first use (so a
// cold start that never sees a token never calls the JWKS endpoint) and treats that first fetch
// as the unknown-kid refresh, so no single verification performs two fetches.
type keySource struct {
	cfg    Config
	ctx    context.Context // ends the background refresh
	client *http.Client
	log    *slog.Logger

	mu sync.Mutex                      // serializes the first build
	kf atomic.Pointer[keyfunc.Keyfunc] // set once built; read without the lock
}

func newKeySource(ctx context.Context, cfg Config, log *slog.Logger) *keySource {
	base := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	client := &http.Client{Timeout: FetchTimeout, Transport: limitTransport{base}}
	return &keySource{cfg: cfg, ctx: ctx, client: client, log: log}
}

func (s *keySource) keyfunc() (keyfunc.Keyfunc, error) {
	if kf := s.kf.Load(); kf != nil {
		return *kf, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if kf := s.kf.Load(); kf != nil {
		return *kf, nil
	}
	url := s.cfg.JWKSURL
	onErr := func(ctx context.Context, err error) {
		s.log.WarnContext(ctx, "JWKS fetch failed; tokens signed by unknown keys are denied", "url", url, "error", err)
	}
	store, err := jwkset.NewStorageFromHTTP(url, jwkset.HTTPClientStorageOptions{
		Client:                    s.client,
		Ctx:                       s.ctx,
		HTTPTimeout:               FetchTimeout,
		NoErrorReturnFirstHTTPReq: true, // fail closed per token, not at start
		RefreshErrorHandler:       onErr,
		RefreshInterval:           s.cfg.RefreshInterval,
	})
	if err != nil {
		return nil, fmt.Errorf("JWKS storage for %q: %w", url, err)
	}
	limiter := rate.NewLimiter(rate.Every(s.cfg.UnknownKIDInterval), 1)
	limiter.Allow() // the fetch above used this interval's refresh
	client, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs: map[string]jwkset.Storage{url: store},
		// Look in the fetched keys first: the (empty) given storage would cost an error per call.
		PrioritizeHTTP: true,
		// One deadline for waiting on the limiter and fetching: the limiter refuses at once when
		// its next slot is past it, and the warm path (kid found) never creates it.
		RateLimitWaitMax:  FetchTimeout,
		RefreshUnknownKID: limiter,
	})
	if err != nil {
		return nil, fmt.Errorf("JWKS client for %q: %w", url, err)
	}
	kf, err := keyfunc.New(keyfunc.Options{Ctx: s.ctx, Storage: client})
	if err != nil {
		return nil, fmt.Errorf("keyfunc for %q: %w", url, err)
	}
	s.kf.Store(&kf)
	return kf, nil
}

// lookup is the jwt.Keyfunc: it insists on a kid (keyfunc would otherwise try every key) and on
// an RSA key, so a JWKS that also holds EC or symmetric keys cannot be used for key confusion.
func (s *keySource) lookup(ctx context.Context) gojwt.Keyfunc {
	return func(t *gojwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token header has no kid")
		}
		kf, err := s.keyfunc()
		if err != nil {
			return nil, err
		}
		key, err := kf.KeyfuncCtx(ctx)(t)
		if err != nil {
			return nil, fmt.Errorf("no usable key for kid %q: %w", kid, err)
		}
		pub, ok := key.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("key for kid %q is %T, want an RSA public key", kid, key)
		}
		return pub, nil
	}
}

// limitTransport refuses JWKS bodies over MaxJWKSBytes, before and while reading them.
type limitTransport struct{ base http.RoundTripper }

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > MaxJWKSBytes {
		resp.Body.Close()
		return nil, fmt.Errorf("JWKS response is %d bytes, at most %d allowed", resp.ContentLength, MaxJWKSBytes)
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: MaxJWKSBytes}
	return resp, nil
}

type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte means the body is over the limit.
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("JWKS response exceeds %d bytes", MaxJWKSBytes)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
