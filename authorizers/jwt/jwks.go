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
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	gojwt "github.com/golang-jwt/jwt/v5"
)

// keySource finds the RSA key for a kid. The keys live in a jwkset memory storage that keyfunc
// reads; this type decides when to fetch them, on Config's clock: on the first verification (so
// a cold start that never sees a token never calls the JWKS endpoint), for an unknown kid at
// most once per UnknownKIDInterval (the first fetch counts as one), and every RefreshInterval in
// the background from the first fetch on. No single verification performs two fetches.
type keySource struct {
	cfg    Config
	ctx    context.Context // ends the background refresh and any fetch in flight
	client *http.Client
	log    *slog.Logger
	keys   jwkset.Storage
	kf     keyfunc.Keyfunc // reads keys; never fetches

	// refreshed, if set (by tests, before the first verification), is called after each
	// background refresh.
	refreshed func()

	mu         sync.Mutex // serializes the fetches a token causes
	lastFetch  time.Time  // of the last fetch a token caused, on cfg.Now; zero before the first
	refreshing bool       // the background refresh has started
}

func newKeySource(ctx context.Context, cfg Config, log *slog.Logger) (*keySource, error) {
	base := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	keys := jwkset.NewMemoryStorage()
	kf, err := keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: keys})
	if err != nil {
		return nil, fmt.Errorf("keyfunc for %q: %w", cfg.JWKSURL, err)
	}
	return &keySource{
		cfg:    cfg,
		ctx:    ctx,
		client: &http.Client{Timeout: FetchTimeout, Transport: limitTransport{base}},
		log:    log,
		keys:   keys,
		kf:     kf,
	}, nil
}

// lookup is the jwt.Keyfunc: it insists on a kid (keyfunc would otherwise try every key) and on
// an RSA key, so a JWKS that also holds EC or symmetric keys cannot be used for key confusion.
func (s *keySource) lookup(ctx context.Context) gojwt.Keyfunc {
	return func(t *gojwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token header has no kid")
		}
		key, err := s.kf.KeyfuncCtx(ctx)(t)
		if errors.Is(err, jwkset.ErrKeyNotFound) {
			key, err = s.fetchFor(ctx, t)
		}
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

// fetchFor fetches the JWKS for a token whose kid is unknown, if the interval allows, and looks
// the kid up again. A token that waited for another one's fetch finds the key without fetching.
func (s *keySource) fetchFor(ctx context.Context, t *gojwt.Token) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key, err := s.kf.KeyfuncCtx(ctx)(t); !errors.Is(err, jwkset.ErrKeyNotFound) {
		return key, err
	}
	now := s.cfg.Now()
	if !s.lastFetch.IsZero() && now.Sub(s.lastFetch) < s.cfg.UnknownKIDInterval {
		return nil, fmt.Errorf("%w (the JWKS is fetched again for an unknown kid at most every %s)", jwkset.ErrKeyNotFound, s.cfg.UnknownKIDInterval)
	}
	s.lastFetch = now
	if !s.refreshing {
		s.refreshing = true
		ticks, stop := s.cfg.NewTicker(s.cfg.RefreshInterval)
		go s.refreshEvery(ticks, stop)
	}
	if err := s.fetch(); err != nil {
		return nil, err
	}
	return s.kf.KeyfuncCtx(ctx)(t)
}

// refreshEvery fetches the JWKS on each tick until the Verifier closes.
func (s *keySource) refreshEvery(ticks <-chan time.Time, stop func()) {
	defer stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-ticks:
			_ = s.fetch() // logged; the keys stay as they were
			if s.refreshed != nil {
				s.refreshed()
			}
		}
	}
}

// fetch replaces the keys with those of the JWKS, or logs why it could not and leaves them.
// jwkset.NewStorageFromHTTP without a RefreshInterval is one fetch into the given storage, which
// it replaces only when the whole document was read and parsed.
func (s *keySource) fetch() error {
	_, err := jwkset.NewStorageFromHTTP(s.cfg.JWKSURL, jwkset.HTTPClientStorageOptions{
		Client:      s.client,
		Ctx:         s.ctx,
		HTTPTimeout: FetchTimeout,
		Storage:     s.keys,
	})
	if err != nil {
		s.log.WarnContext(s.ctx, "JWKS fetch failed; tokens signed by unknown keys are denied", "url", s.cfg.JWKSURL, "error", err)
	}
	return err
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
