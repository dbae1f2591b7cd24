package serve_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/invoke"
	"github.com/portico-dev/portico/local/runtime"
	"github.com/portico-dev/portico/local/serve"
)

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 200, MaxIdleConnsPerHost: 200}, Timeout: 10 * time.Second}

func get(url string) error {
	resp, err := benchClient.Get(url)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func percentile(d []time.Duration, p float64) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[int(float64(len(s)-1)*p)]) / float64(time.Millisecond)
}

// BenchmarkWarmRequest compares a warm GET /hello through the gateway with the same event
// sent to the same handler straight through the Runtime API, alternating within one run.
func BenchmarkWarmRequest(b *testing.B) {
	gw, err := serve.Start(context.Background(), serve.Config{AssemblyDir: fixture, CacheDir: cacheDir, Concurrency: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer gw.Close()
	url := gw.URL + "/" + restID + "/prod/hello?name=bench"
	event := []byte(`{"resource":"/hello","path":"/hello","httpMethod":"GET","queryStringParameters":{"name":"bench"},"requestContext":{"stage":"prod"}}`)
	call := invoke.Call{Function: "HelloAD23A60E", Payload: event}
	for range 50 { // warm both paths
		if err := get(url); err != nil {
			b.Fatal(err)
		}
	}
	viaGateway := make([]time.Duration, 0, b.N)
	direct := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := get(url); err != nil {
			b.Fatal(err)
		}
		viaGateway = append(viaGateway, time.Since(start))
		start = time.Now()
		if _, err := gw.Runtime.Invoke(context.Background(), call); err != nil {
			b.Fatal(err)
		}
		direct = append(direct, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(percentile(viaGateway, 0.5), "gw-p50-ms")
	b.ReportMetric(percentile(viaGateway, 0.99), "gw-p99-ms")
	b.ReportMetric(percentile(direct, 0.5), "direct-p50-ms")
	b.ReportMetric(percentile(direct, 0.99), "direct-p99-ms")
	b.ReportMetric(percentile(viaGateway, 0.5)/percentile(direct, 0.5), "p50-ratio")
}

// BenchmarkConcurrentClients sends 10,000 requests from 50 clients per iteration (run it with
// -benchtime=1x).
func BenchmarkConcurrentClients(b *testing.B) {
	const clients, total = 50, 10000
	gw, err := serve.Start(context.Background(), serve.Config{AssemblyDir: fixture, CacheDir: cacheDir})
	if err != nil {
		b.Fatal(err)
	}
	defer gw.Close()
	url := gw.URL + "/" + restID + "/prod/hello"
	var errs atomic.Int64
	var elapsed time.Duration
	for range b.N {
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= total {
					if err := get(url); err != nil {
						errs.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(int64(b.N)*total)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(errs.Load()), "errors")
}

// BenchmarkColdStart measures process spawn to first response of the hello handler.
func BenchmarkColdStart(b *testing.B) {
	asm, err := assembly.Load(fixture)
	if err != nil {
		b.Fatal(err)
	}
	fn := asm.Functions["HelloAD23A60E"]
	bin, err := (&runtime.Builder{ModuleDir: "../..", CacheDir: cacheDir}).Binary(fn)
	if err != nil {
		b.Fatal(err)
	}
	event := []byte(`{"httpMethod":"GET","path":"/hello"}`)
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		m, err := runtime.New(runtime.Config{Functions: []*assembly.Function{fn}, Binaries: map[string]string{fn.ID: bin}})
		if err != nil {
			b.Fatal(err)
		}
		res, err := m.Invoke(context.Background(), invoke.Call{Function: fn.ID, Payload: event})
		if err != nil || !res.Cold {
			b.Fatalf("cold call: %v (cold %v)", err, res != nil && res.Cold)
		}
		times = append(times, res.Duration)
		b.StopTimer()
		m.Close()
		b.StartTimer()
	}
	b.ReportMetric(percentile(times, 0.5), "cold-p50-ms")
	b.ReportMetric(percentile(times, 0.99), "cold-p99-ms")
}

// BenchmarkStartup measures serve.Start on the sample app's cdk.out (run `make synth`
// first) with its binaries already built, until the first request is answered.
func BenchmarkStartup(b *testing.B) {
	const sample = "../../cdk.out"
	if _, err := os.Stat(sample + "/manifest.json"); err != nil {
		b.Skip("no sample assembly; run `make synth`")
	}
	cfg := serve.Config{AssemblyDir: sample, CacheDir: cacheDir}
	warm, err := serve.Start(context.Background(), cfg) // builds once, outside the timing
	if err != nil {
		b.Fatal(err)
	}
	warm.Close()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		gw, err := serve.Start(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		// Serving: the listener answers (the unknown-API 404 needs no function).
		if resp, err := benchClient.Get(gw.URL + "/"); err == nil {
			resp.Body.Close()
		} else {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
		b.StopTimer()
		gw.Close()
		b.StartTimer()
	}
	b.ReportMetric(percentile(times, 0.5), "startup-p50-ms")
}

// BenchmarkIAMRequest is the budget for IAM authorization: a SigV4-signed GET to an
// AWS_IAM method (signature verified, identity policy evaluated, caller in the event) against
// the same request to the same function's open method of the same API, alternating within one
// run. Both carry the same signed headers, so the difference is the verification and
// authorization, not the size of the request; signing is the client's work and happens before
// the clock starts.
func BenchmarkIAMRequest(b *testing.B) {
	g := startIAM(b, "")
	p := g.principal(b, "Allowed")
	timed := func(url string, into *[]time.Duration) error {
		req := signed(b, p, "GET", url, nil, nil, time.Now())
		start := time.Now()
		resp, err := benchClient.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		*into = append(*into, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: status %d", url, resp.StatusCode)
		}
		return nil
	}
	open, iamURL := g.run.URL+"/"+benchID+"/prod/open", g.run.URL+"/"+benchID+"/prod/iam"
	var openTimes, iamTimes []time.Duration
	for range 50 { // warm both paths
		if err := errors.Join(timed(open, &openTimes), timed(iamURL, &iamTimes)); err != nil {
			b.Fatal(err)
		}
	}
	openTimes, iamTimes = make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		if err := errors.Join(timed(open, &openTimes), timed(iamURL, &iamTimes)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	openP50, iamP50 := percentile(openTimes, 0.5)*1000, percentile(iamTimes, 0.5)*1000
	b.ReportMetric(openP50, "open-p50-µs")
	b.ReportMetric(iamP50, "iam-p50-µs")
	b.ReportMetric(iamP50-openP50, "iam-added-p50-µs")
}
