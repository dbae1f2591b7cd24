package gateway

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/textproto"
	"sync"
	"sync/atomic"
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

// HTTPServer is the http.Server local/serve runs on every listener. Serve wraps the listener so
// that the gateway learns the header names clients spelled (on other listeners, events carry
// canonical names), holds each connection to the Limits, caps the open connections, and
// answers the requests Go's server refuses before any handler runs in the cloud's shape.
type HTTPServer struct {
	*http.Server
	limits Limits
	refuse refuseFunc
}

// NewHTTPServer serves h within lim (zero fields take their defaults). When h is the gateway's
// (a *Server or one of its Via handlers), refusals below the pipeline are logged with its requests.
func NewHTTPServer(h http.Handler, lim Limits) *HTTPServer {
	lim = lim.withDefaults()
	refuse := refuserOf(h)
	return &HTTPServer{
		Server: &http.Server{
			Handler:           timed(h, lim),
			ReadHeaderTimeout: headTimeout,
			// Go's own answers (refusals of a head it cannot read) get this much time; a
			// handler's answer gets it from its first byte (timed).
			WriteTimeout:   lim.Write,
			IdleTimeout:    lim.Idle,
			MaxHeaderBytes: maxHeadBytes,
			ConnContext:    withConn,
		},
		limits: lim,
		refuse: refuse,
	}
}

// Serve serves ln until the server is closed.
func (s *HTTPServer) Serve(ln net.Listener) error {
	return s.Server.Serve(&recordingListener{Listener: ln, slots: make(chan struct{}, s.limits.Conns), refuse: s.refuse})
}

// recordingListener hands out recordingConns, at most cap(slots) open at once: one more is
// answered 429 and closed.
type recordingListener struct {
	net.Listener
	slots  chan struct{}
	refuse refuseFunc
}

func (l *recordingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		rc := &recordingConn{Conn: c, refuse: l.refuse}
		select {
		case l.slots <- struct{}{}:
			rc.release = sync.OnceFunc(func() { <-l.slots })
			return rc, nil
		default:
			go rc.refuseAll(tooManyConnections())
		}
	}
}

// recordingConn keeps the bytes read since the last head a request claimed, bounded to the
// last headWindow of them. It rewrites the answers Go's server writes itself into the cloud's
// shape.
type recordingConn struct {
	net.Conn
	mu      sync.Mutex
	buf     []byte
	refuse  refuseFunc
	release func() // frees the connection's slot; nil when it has none
	// inHandler is set while a handler answers: its writes are the answer, never Go's refusal
	// of a head, whatever bytes they carry.
	inHandler atomic.Bool
}

// answering marks whether a handler is answering on c (nil: a connection not from a
// recordingListener).
func (c *recordingConn) answering(on bool) {
	if c != nil {
		c.inHandler.Store(on)
	}
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

// Write passes the server's writes on, except an answer Go's server makes itself when it cannot
// read a request head (goRefusal), which it writes while no handler is answering: that one is
// answered as the gateway answers its refusals.
func (c *recordingConn) Write(p []byte) (int, error) {
	if c.inHandler.Load() {
		return c.Conn.Write(p)
	}
	e := goRefusal(p)
	if e == nil {
		return c.Conn.Write(p)
	}
	c.mu.Lock()
	head := bytes.Clone(c.buf)
	c.mu.Unlock()
	if _, err := c.Conn.Write(c.refuse(head, e)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *recordingConn) Close() error {
	if c.release != nil {
		c.release()
	}
	return c.Conn.Close()
}

// refuseAll answers e to the request head the client sends first (read for at most a second)
// and closes the connection.
func (c *recordingConn) refuseAll(e *Error) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 0, 4<<10)
	for len(buf) < cap(buf) && !bytes.Contains(buf, []byte("\r\n\r\n")) {
		n, err := c.Conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			break
		}
	}
	_, _ = c.Conn.Write(c.refuse(buf, e))
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
