package websocket

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/invoke"
)

type nopInvoker struct{}

func (nopInvoker) Invoke(context.Context, invoke.Call) (*invoke.Result, error) {
	return &invoke.Result{Payload: []byte(`{}`)}, nil
}

func TestNewValidates(t *testing.T) {
	valid := Config{APIID: "abc", Stage: "prod", Invoker: nopInvoker{}}
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string // "" for valid
	}{
		{name: "minimal", change: func(*Config) {}},
		{name: "nested expression", change: func(c *Config) { c.RouteSelectionExpression = "$request.body.meta.type" }},
		{name: "braced expression", change: func(c *Config) { c.RouteSelectionExpression = "${request.body.action}" }},
		{name: "no API id", change: func(c *Config) { c.APIID = "" }, wantErr: "API id is required"},
		{name: "stage with slash", change: func(c *Config) { c.Stage = "a/b" }, wantErr: `got "a/b"`},
		{name: "no invoker", change: func(c *Config) { c.Invoker = nil }, wantErr: "needs an Invoker"},
		{name: "header expression", change: func(c *Config) { c.RouteSelectionExpression = "$request.header.x" }, wantErr: `$request.body.<field>[.<field>...], got "$request.header.x"`},
		{name: "empty path", change: func(c *Config) { c.RouteSelectionExpression = "$request.body." }, wantErr: `got "$request.body."`},
		{name: "route without function", change: func(c *Config) { c.Routes = map[string]Route{"echo": {}} }, wantErr: `route "echo" needs`},
		{name: "negative idle timeout", change: func(c *Config) { c.Limits.IdleTimeout = -time.Second }, wantErr: "idle timeout limit must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)
			_, err := New(cfg)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("New: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	t.Run("defaults are the cloud's limits", func(t *testing.T) {
		s, err := New(valid)
		if err != nil {
			t.Fatal(err)
		}
		want := Limits{FrameBytes: 32 << 10, MessageBytes: 128 << 10, IdleTimeout: 10 * time.Minute, MaxDuration: 2 * time.Hour, IntegrationTimeout: 29 * time.Second}
		if s.cfg.Limits != want || s.cfg.RouteSelectionExpression != DefaultRouteSelectionExpression {
			t.Errorf("limits %+v, expression %q", s.cfg.Limits, s.cfg.RouteSelectionExpression)
		}
	})
}

func TestSelectRouteKey(t *testing.T) {
	tests := []struct {
		name   string
		expr   string
		body   string
		want   string
		wantOK bool
	}{
		{name: "action", expr: "$request.body.action", body: `{"action":"echo"}`, want: "echo", wantOK: true},
		{name: "nested", expr: "$request.body.meta.type", body: `{"meta":{"type":"join"}}`, want: "join", wantOK: true},
		{name: "number", expr: "$request.body.v", body: `{"v":2}`, want: "2", wantOK: true},
		{name: "boolean", expr: "$request.body.v", body: `{"v":true}`, want: "true", wantOK: true},
		{name: "missing field", expr: "$request.body.action", body: `{"other":"x"}`},
		{name: "through a non-object", expr: "$request.body.a.b", body: `{"a":"x"}`},
		{name: "object value", expr: "$request.body.a", body: `{"a":{}}`},
		{name: "array body", expr: "$request.body.a", body: `["a"]`},
		{name: "not JSON", expr: "$request.body.a", body: `a=b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, err := parseSelectionExpression(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := selectRouteKey(path, []byte(tt.body))
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("= %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// frame builds a masked client frame header (payload not included) of the given length.
func frameHeader(fin bool, opcode byte, length int) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	var h []byte
	switch {
	case length < 126:
		h = []byte{b0, 0x80 | byte(length)}
	case length <= 0xffff:
		h = []byte{b0, 0x80 | 126, 0, 0}
		binary.BigEndian.PutUint16(h[2:], uint16(length))
	default:
		h = make([]byte, 10)
		h[0], h[1] = b0, 0x80|127
		binary.BigEndian.PutUint64(h[2:], uint64(length))
	}
	return append(h, 1, 2, 3, 4) // mask key
}

func TestFrameGuard(t *testing.T) {
	frame := func(fin bool, op byte, n int) []byte { return append(frameHeader(fin, op, n), make([]byte, n)...) }
	tests := []struct {
		name    string
		stream  []byte
		wantBig bool
		passed  int // bytes handed on before the error: up to the oversized frame's header
	}{
		{name: "small frames", stream: bytes.Join([][]byte{frame(true, 1, 5), frame(true, 9, 0), frame(true, 2, 125)}, nil)},
		{name: "16-bit length at the limit", stream: frame(true, 1, 1000)},
		{name: "16-bit length over", stream: frame(true, 1, 1001), wantBig: true, passed: 8},
		{name: "64-bit length over", stream: frameHeader(true, 2, 1<<40), wantBig: true, passed: 14},
		{name: "continuation over after a small frame", stream: append(frame(false, 1, 10), frame(true, 0, 2000)...), wantBig: true, passed: 16 + 8},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 3, 4096} { // headers split across reads must still be seen
			g := &frameGuard{r: &chunkReader{b: tt.stream, n: chunk}, limit: 1000}
			passed, err := io.ReadAll(g)
			if big := errors.Is(err, errFrameTooBig); big != tt.wantBig || !big && err != nil {
				t.Errorf("%s (chunks of %d): err = %v, want too big %v", tt.name, chunk, err, tt.wantBig)
			}
			if !tt.wantBig && !bytes.Equal(passed, tt.stream) {
				t.Errorf("%s (chunks of %d): passed %d of %d bytes", tt.name, chunk, len(passed), len(tt.stream))
			}
			if tt.wantBig && len(passed) != tt.passed {
				t.Errorf("%s (chunks of %d): passed %d bytes, want %d", tt.name, chunk, len(passed), tt.passed)
			}
		}
	}
}

// chunkReader returns b at most n bytes per Read.
type chunkReader struct {
	b []byte
	n int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.n)], r.b)
	r.b = r.b[k:]
	return k, nil
}
