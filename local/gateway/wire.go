package gateway

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/textproto"
	"sync"
	"time"
)

// REST APIs hand the handler each header name as the client spelled it ("x-api-key" stays
// "x-api-key"). Go's server canonicalises the names and keeps no trace of the spelling, so the
// gateway reads it back from the wire: its listener keeps the latest bytes each connection
// read, and the request's own head is found there by its request line when the request
// arrives, before its body is read.

// headWindow bounds what a connection keeps: the last headWindow bytes read (at most twice
// that between trims). API Gateway takes at most 10,240 bytes of request line and headers
// (REST), and Go's server reads at most 4 KiB past the head it parses before serving it.
const headWindow = 32 << 10

// Listener wraps ln so that a Server from HTTPServer serving it learns the header names as
// clients spelled them.
func Listener(ln net.Listener) net.Listener { return recordingListener{ln} }

// HTTPServer is the http.Server of h that local/serve runs on every Listener: it recovers the
// header names clients spelled (on other listeners, events carry canonical names).
func HTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnContext: withConn}
}

type recordingListener struct{ net.Listener }

func (l recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c}, nil
}

// recordingConn keeps the bytes read since the last head a request claimed, bounded to the
// last headWindow of them.
type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	buf []byte
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.buf = append(c.buf, p[:n]...)
	if len(c.buf) > 2*headWindow {
		c.buf = append(c.buf[:0], c.buf[len(c.buf)-headWindow:]...)
	}
	c.mu.Unlock()
	return n, err
}

type connKey struct{}

func withConn(ctx context.Context, c net.Conn) context.Context {
	if rc, ok := c.(*recordingConn); ok {
		return context.WithValue(ctx, connKey{}, rc)
	}
	return ctx
}

// spellings maps each canonical header name of r to the client's spelling of it (the first
// one when the name arrives spelled several ways); nil when r did not come through a Listener
// or its head is no longer there. Call it once per request, before reading the body.
func spellings(r *http.Request) map[string]string {
	c, _ := r.Context().Value(connKey{}).(*recordingConn)
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	line := []byte(r.Method + " " + r.RequestURI + " " + r.Proto)
	for from := 0; ; {
		i := bytes.Index(c.buf[from:], line)
		if i < 0 {
			return nil
		}
		start := from + i // a body need not end in a line end: only the names tell
		from = start + 1
		names, end, ok := headNames(c.buf[start+len(line):])
		if ok && sameNames(names, r.Header) {
			c.buf = c.buf[start+len(line)+end:] // claimed: a pipelined request's head is next
			return names
		}
	}
}

// headNames reads the header lines that follow a request line up to the blank line ending the
// head: canonical name -> first spelling, and where the head ends. ok is false when the head
// is incomplete or the request line is followed by more than its line end.
func headNames(rest []byte) (names map[string]string, end int, ok bool) {
	names = map[string]string{}
	for first := true; ; first = false {
		nl := bytes.IndexByte(rest[end:], '\n')
		if nl < 0 {
			return nil, 0, false
		}
		l := bytes.TrimSuffix(rest[end:end+nl], []byte("\r"))
		end += nl + 1
		switch {
		case first:
			if len(l) != 0 {
				return nil, 0, false
			}
		case len(l) == 0:
			return names, end, true
		case l[0] == ' ' || l[0] == '\t': // a folded continuation line
		default:
			name, _, _ := bytes.Cut(l, []byte(":"))
			canon := textproto.CanonicalMIMEHeaderKey(string(name))
			if _, seen := names[canon]; !seen {
				names[canon] = string(name)
			}
		}
	}
}

// movedByGo are the header names Go's server takes out of Request.Header (into Host and
// TransferEncoding).
var movedByGo = map[string]bool{"Host": true, "Transfer-Encoding": true}

// sameNames reports whether the names read from the wire are exactly the names of h, so that
// a head found by its request line is the head of this request.
func sameNames(names map[string]string, h http.Header) bool {
	n := 0
	for canon := range names {
		if movedByGo[canon] {
			continue
		}
		if _, ok := h[canon]; !ok {
			return false
		}
		n++
	}
	return n == len(h)
}
