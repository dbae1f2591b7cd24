package websocket

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dialMany opens n connections concurrently (64 dials at a time).
func (h *harness) dialMany(ctx context.Context, n int) ([]*websocket.Conn, error) {
	conns := make([]*websocket.Conn, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c, _, err := websocket.Dial(ctx, h.wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer good"}}})
			if err != nil {
				errs <- fmt.Errorf("dial %d: %w", i, err)
				return
			}
			conns[i] = c
		})
	}
	wg.Wait()
	close(errs)
	return conns, <-errs
}

// TestLoad holds 1,000 connections that each send 10 echo messages, every reply going through
// the handler and @connections, and checks every reply arrives.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const conns, perConn = 1000, 10
	h := newHarness(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	cs, err := h.dialMany(ctx, conns)
	for _, c := range cs {
		if c != nil {
			defer c.CloseNow()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	dialed := time.Since(start)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i, c := range cs {
		wg.Go(func() {
			for j := range perConn {
				want := fmt.Sprintf("c%d-m%d", i, j)
				if err := c.Write(ctx, websocket.MessageText, []byte(`{"action":"echo","data":"`+want+`"}`)); err != nil {
					errs <- err
					return
				}
				_, got, err := c.Read(ctx)
				if err != nil || string(got) != want {
					errs <- fmt.Errorf("connection %d message %d: got %q (%v), want %q", i, j, got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	_, echoes := h.inv.lastEvent("EchoFn")
	if echoes != conns*perConn {
		t.Errorf("echo handler ran %d times, want %d", echoes, conns*perConn)
	}
	t.Logf("%d connections dialed in %v, then %d messages each in %v", conns, dialed, perConn, time.Since(start)-dialed)
}

// BenchmarkRoundTrip measures client -> route -> @connections -> client with the in-process
// fake invoker (no Lambda runtime), and reports the median and 99th percentile.
func BenchmarkRoundTrip(b *testing.B) {
	h := newHarness(b, nil)
	c := h.dial(b, "")
	msg := []byte(`{"action":"echo","data":"ping"}`)
	ctx := context.Background()
	roundTrip(b, c, string(msg)) // warm the management client's connection
	var durations []time.Duration
	for b.Loop() {
		start := time.Now()
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkHold1000Connections opens 1,000 connections and reports the process's resident
// memory (VmRSS, which includes the 1,000 client ends living in the same process) and the Go
// heap in use.
func BenchmarkHold1000Connections(b *testing.B) {
	const n = 1000
	for b.Loop() {
		h := newHarness(b, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cs, err := h.dialMany(ctx, n)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(vmRSS(b))/(1<<20), "RSS-MB")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
		for _, c := range cs {
			_ = c.CloseNow()
		}
	}
}

// vmRSS reads the resident set size of this process from /proc/self/status.
func vmRSS(tb testing.TB) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				tb.Fatalf("parse VmRSS %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	tb.Fatal("no VmRSS in /proc/self/status")
	return 0
}
