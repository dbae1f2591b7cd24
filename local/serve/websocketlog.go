package serve

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/portico-dev/portico/local/internal/logtext"
)

// wsLog writes the websocket package's records as one line each, in the HTTP request log's
// format: route (or method) path status latency function cold|warm (what, connection, why).
type wsLog struct {
	out   io.Writer
	mu    *sync.Mutex // shared by every stage, so that lines never interleave
	path  string      // /{apiId}/{stage}
	attrs []slog.Attr
}

func newWSLog(out io.Writer, mu *sync.Mutex, apiID, stage string) *slog.Logger {
	return slog.New(&wsLog{out: out, mu: mu, path: "/" + apiID + "/" + stage})
}

func (h *wsLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *wsLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

// WithGroup is not used by the websocket package; attributes stay flat.
func (h *wsLog) WithGroup(string) slog.Handler { return h }

func (h *wsLog) Handle(_ context.Context, r slog.Record) error {
	a := map[string]slog.Value{}
	for _, at := range h.attrs {
		a[at.Key] = at.Value
	}
	r.Attrs(func(at slog.Attr) bool {
		a[at.Key] = at.Value
		return true
	})
	get := func(key, def string) string {
		if v, ok := a[key]; ok {
			return logtext.Safe(v.String())
		}
		return def
	}
	latency := "-"
	if v, ok := a["latency"]; ok && v.Kind() == slog.KindDuration {
		latency = v.Duration().Round(10 * time.Microsecond).String()
	}
	fn := get("function", "-")
	if v, ok := a["cold"]; ok && v.Kind() == slog.KindBool {
		fn += map[bool]string{true: " cold", false: " warm"}[v.Bool()]
	}
	why := []string{r.Message}
	if id := get("connectionId", ""); id != "" {
		why = append(why, "connection "+id)
	}
	if id := get("messageId", ""); id != "" {
		why = append(why, "message "+id)
	}
	if code := get("disconnectStatusCode", ""); code != "" {
		why = append(why, strings.TrimSpace("close "+code+" "+get("disconnectReason", "")))
	}
	if err := get("error", ""); err != "" {
		why = append(why, err)
	}
	line := fmt.Sprintf("%s %s %s %s %s (%s)\n", get("method", get("route", "-")), get("path", h.path), get("status", "-"), latency, fn, strings.Join(why, ", "))
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.out, line)
	return err
}
