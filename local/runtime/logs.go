package runtime

import (
	"bytes"
	"io"
	"sync"
)

// lineWriter serialises whole lines from many processes onto one writer.
type lineWriter struct {
	mu  sync.Mutex
	out io.Writer
}

// prefixed returns a writer that emits each complete line as "name | line".
func (l *lineWriter) prefixed(name string) io.Writer {
	return &prefixWriter{l: l, prefix: []byte(name + " | ")}
}

type prefixWriter struct {
	l      *lineWriter
	prefix []byte
	mu     sync.Mutex
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		p.l.mu.Lock()
		_, _ = p.l.out.Write(append(append([]byte{}, p.prefix...), p.buf[:i+1]...))
		p.l.mu.Unlock()
		p.buf = p.buf[i+1:]
	}
	// A process that never ends its line still gets its output shown, in pieces.
	if len(p.buf) > 64*1024 {
		p.l.mu.Lock()
		_, _ = p.l.out.Write(append(append(append([]byte{}, p.prefix...), p.buf...), '\n'))
		p.l.mu.Unlock()
		p.buf = p.buf[:0]
	}
	return len(b), nil
}

// line writes one line of Portico's own, unprefixed.
func (l *lineWriter) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.out, s+"\n")
}
