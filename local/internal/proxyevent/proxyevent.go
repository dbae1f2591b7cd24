// Package proxyevent holds the pieces of API Gateway's Lambda proxy events that the REST and
// HTTP gateway (local/gateway) and the WebSocket stages (local/websocket) build alike.
package proxyevent

import (
	"net"
	"net/http"
	"strings"
	"time"
)

// RequestTime formats t as requestContext.requestTime does ("09/Apr/2020:18:03:43 +0000").
func RequestTime(t time.Time) string {
	return t.UTC().Format("02/Jan/2006:15:04:05 -0700")
}

// SourceIP is the client address of r without its port.
func SourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Flatten gives the single-value (last value wins, as in API Gateway) and multi-value forms of
// a header or query map, or nils when it is empty.
func Flatten(m map[string][]string) (map[string]string, map[string][]string) {
	if len(m) == 0 {
		return nil, nil
	}
	single := make(map[string]string, len(m))
	multi := make(map[string][]string, len(m))
	for k, v := range m {
		if len(v) > 0 {
			single[k] = v[len(v)-1]
		}
		multi[k] = v
	}
	return single, multi
}

// Cookies splits the Cookie headers of h into one entry per cookie, as the cookies array of
// HTTP API payload 2.0 events carries them ("a=1; b=2" gives "a=1", "b=2"); nil when none.
func Cookies(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Cookie") {
		for _, c := range strings.Split(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}
