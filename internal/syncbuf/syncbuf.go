// Package syncbuf provides a buffer that many goroutines may write to at once, for tests that
// collect the output of a running gateway or WebSocket stage.
package syncbuf

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"time"
)

// Buffer is a bytes.Buffer safe for concurrent Write and String. The zero value is empty.
type Buffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed by the next Write; nil while nobody waits
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	if s.written != nil {
		close(s.written)
		s.written = nil
	}
	return n, err
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// WaitFor returns the contents once they hold every want, or what they hold when timeout has
// passed. It wakes on each Write, for output a server writes after the client has seen the
// result (a log line after the response, say).
func (s *Buffer) WaitFor(timeout time.Duration, wants ...string) string {
	guard := time.NewTimer(timeout)
	defer guard.Stop()
	for {
		s.mu.Lock()
		got := s.b.String()
		if s.written == nil {
			s.written = make(chan struct{})
		}
		written := s.written
		s.mu.Unlock()
		if !slices.ContainsFunc(wants, func(w string) bool { return !strings.Contains(got, w) }) {
			return got
		}
		select {
		case <-written:
		case <-guard.C:
			return s.String()
		}
	}
}
