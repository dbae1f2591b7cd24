package websocket

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
)

// errFrameTooBig is returned by a frameGuard once the client sent a frame over the limit.
var errFrameTooBig = errors.New("websocket frame too big")

// frameGuard watches the client-to-server byte stream of a hijacked connection and stops it
// at the header of any frame whose payload is over limit. coder/websocket only limits whole
// messages, while API Gateway also limits frames (32 KB) and closes with 1009 beyond.
type frameGuard struct {
	net.Conn
	r     io.Reader // bytes already buffered by net/http, then the connection
	limit int64

	remaining int64    // payload bytes left in the current frame
	hdr       [14]byte // frame header read so far
	hn        int
	tooBig    atomic.Bool
}

func (g *frameGuard) Read(p []byte) (int, error) {
	if g.tooBig.Load() {
		return 0, errFrameTooBig
	}
	n, err := g.r.Read(p)
	for i := 0; i < n; {
		if g.remaining > 0 {
			k := min(g.remaining, int64(n-i))
			g.remaining -= k
			i += int(k)
			continue
		}
		g.hdr[g.hn] = p[i]
		g.hn++
		i++
		size, done := headerSize(g.hdr[:g.hn])
		if !done {
			continue
		}
		length := payloadLength(g.hdr[:size])
		g.hn = 0
		if length > g.limit {
			g.tooBig.Store(true)
			// Hand over the bytes up to this header only, so no part of the frame is read.
			return i, nil
		}
		g.remaining = length
	}
	return n, err
}

// headerSize reports the full size of the frame header that h starts, and whether h holds it.
func headerSize(h []byte) (int, bool) {
	if len(h) < 2 {
		return 2, false
	}
	size := 2
	switch h[1] & 0x7f {
	case 126:
		size += 2
	case 127:
		size += 8
	}
	if h[1]&0x80 != 0 { // masked, as every client frame must be
		size += 4
	}
	return size, len(h) >= size
}

// payloadLength reads the payload length of a complete frame header (RFC 6455 section 5.2).
func payloadLength(h []byte) int64 {
	switch l := h[1] & 0x7f; l {
	case 126:
		return int64(binary.BigEndian.Uint16(h[2:4]))
	case 127:
		return int64(binary.BigEndian.Uint64(h[2:10]) & (1<<63 - 1))
	default:
		return int64(l)
	}
}

// guardedWriter hands coder/websocket a frameGuard in place of the hijacked connection.
type guardedWriter struct {
	http.ResponseWriter
	limit int64
	guard *frameGuard
}

func (w *guardedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *guardedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("hijack websocket connection: %w", err)
	}
	// Bytes the client sent right after its request are already in net/http's buffer: route
	// them through the guard too.
	buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
	w.guard = &frameGuard{Conn: conn, r: io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), conn), limit: w.limit}
	brw.Reader.Reset(w.guard)
	return w.guard, brw, nil
}
