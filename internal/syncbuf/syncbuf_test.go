package syncbuf

import (
	"strings"
	"sync"
	"testing"
	"time"
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

func TestWaitForWakesOnTheWriteThatCompletesIt(t *testing.T) {
	var b Buffer
	_, _ = b.Write([]byte("first "))
	go func() {
		_, _ = b.Write([]byte("second "))
		_, _ = b.Write([]byte("third"))
	}()
	done := make(chan string)
	go func() { done <- b.WaitFor(time.Hour, "first", "third") }()
	select {
	case got := <-done:
		if !strings.Contains(got, "third") {
			t.Errorf("WaitFor returned %q before the write it waits for", got)
		}
	case <-time.After(5 * time.Second): // a failure guard: the writes take microseconds
		t.Fatal("WaitFor did not wake on the writes")
	}
}

func TestWaitForGivesUpAfterTheTimeout(t *testing.T) {
	var b Buffer
	_, _ = b.Write([]byte("only this"))
	if got := b.WaitFor(time.Millisecond, "never written"); got != "only this" {
		t.Errorf("WaitFor = %q, want what the buffer holds", got)
	}
}
