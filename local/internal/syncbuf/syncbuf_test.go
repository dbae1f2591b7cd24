package syncbuf

import (
	"strings"
	"sync"
	"testing"
)

func TestConcurrentWritesKeepEveryLine(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("line\n"))
			}
		})
	}
	wg.Wait()
	if got := strings.Count(b.String(), "line\n"); got != 800 {
		t.Errorf("buffer holds %d lines, want 800", got)
	}
}
