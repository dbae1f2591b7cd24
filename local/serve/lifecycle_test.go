package serve_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/serve"
)

func TestNoChildSurvivesShutdown(t *testing.T) {
	gw, err := serve.Start(context.Background(), serve.Config{AssemblyDir: fixture, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	// Busy processes (one sleeping mid-invocation) and idle ones.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms := "50"
			if i == 0 {
				ms = "4000"
			}
			req, _ := http.NewRequest("GET", gw.URL+"/"+restID+"/prod/items/1?do=sleep&ms="+ms, nil)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(gw.Runtime.Processes()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	pids := gw.Runtime.Processes()
	if len(pids) < 2 {
		t.Fatalf("only %d function processes started", len(pids))
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("function process %d survived shutdown (kill -0: %v)", pid, err)
		}
	}
}
