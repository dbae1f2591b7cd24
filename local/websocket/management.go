package websocket

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/portico-dev/portico/local/access/check"
)

// isoMillis is the ISO 8601 form the AWS SDKs parse for connectedAt and lastActiveAt.
const isoMillis = "2006-01-02T15:04:05.000Z"

// ManagementHandler returns the @connections API of the stage: POST (send the body to the
// client), GET (connection info) and DELETE (close, then $disconnect) on
// .../{stage}/@connections/{connectionId}, answering as apigatewaymanagementapi's REST-JSON
// protocol expects (errors carry X-Amzn-ErrorType; every response an X-Amzn-RequestId, which
// the SDK reports in its errors and result metadata). Config.Manage authorizes each call; without
// it every caller may manage connections.
func (s *Server) ManagementHandler() http.Handler { return http.HandlerFunc(s.serveManagement) }

func (s *Server) serveManagement(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id, ok := s.connectionIDFromPath(r.URL.EscapedPath())
	requestID := newID()
	w.Header().Set("X-Amzn-RequestId", requestID)
	log := s.cfg.Logger.With("method", r.Method, "path", r.URL.Path, "connectionId", id, "requestId", requestID)
	status, refused := s.manage(w, r, id, ok)
	if refused != nil {
		log = log.With("error", refused)
	}
	log.Log(r.Context(), levelFor(status), "websocket @connections", "status", status, "latency", time.Since(start))
}

// manage answers one @connections call. It returns the status, and the error of Config.Manage
// when it refused the call.
func (s *Server) manage(w http.ResponseWriter, r *http.Request, id string, pathOK bool) (int, error) {
	if !pathOK {
		return writeError(w, http.StatusForbidden, "ForbiddenException", "Forbidden"), nil
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet && r.Method != http.MethodDelete {
		w.Header().Set("Allow", "POST, GET, DELETE")
		return writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowedException", "method "+r.Method+" is not allowed on @connections; use POST, GET or DELETE"), nil
	}
	limit := s.cfg.Limits.MessageBytes
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return writeError(w, http.StatusBadRequest, "BadRequestException", "read message: "+err.Error()), nil
	}
	if int64(len(data)) > limit {
		return writeError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "message is larger than the "+byteSize(limit)+" limit"), nil
	}
	if s.cfg.Manage != nil {
		if err := s.cfg.Manage(r.Context(), r, data, id); err != nil {
			return writeRefusal(w, err), err
		}
	}
	c := s.lookup(id)
	if c == nil {
		return writeError(w, http.StatusGone, "GoneException", "connection "+id+" is gone"), nil
	}
	switch r.Method {
	case http.MethodPost:
		if err := c.send(frameType(data), data); err != nil {
			return writeError(w, http.StatusGone, "GoneException", "connection "+id+" is gone"), nil
		}
		w.WriteHeader(http.StatusOK)
		return http.StatusOK, nil
	case http.MethodGet:
		info := map[string]any{
			"connectedAt":  c.connectedAt.UTC().Format(isoMillis),
			"lastActiveAt": time.Unix(0, c.lastActive.Load()).UTC().Format(isoMillis),
			"identity":     map[string]string{"sourceIp": c.sourceIP, "userAgent": c.userAgent},
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(info)
		return http.StatusOK, nil
	default: // DELETE
		if s.unregister(c) {
			go c.close(websocket.StatusNormalClosure, "")
		}
		w.WriteHeader(http.StatusNoContent)
		return http.StatusNoContent, nil
	}
}

// frameType is the frame an @connections POST goes out in: text, unless the data is not
// UTF-8, which RFC 6455 section 5.6 forbids in a text frame. The cloud's choice is not
// documented (the API reference only calls Data a blob); a binary frame delivers the bytes
// unchanged.
func frameType(data []byte) websocket.MessageType {
	if utf8.Valid(data) {
		return websocket.MessageText
	}
	return websocket.MessageBinary
}

// connectionIDFromPath takes the connection ID from an escaped path ending in
// /{stage}/@connections/{id}; the prefix before the stage is the gateway's business.
func (s *Server) connectionIDFromPath(escaped string) (string, bool) {
	prefix, rawID, ok := strings.Cut(escaped, "/@connections/")
	if !ok || !strings.HasSuffix(prefix, "/"+s.cfg.Stage) || rawID == "" || strings.Contains(rawID, "/") {
		return "", false
	}
	id, err := url.PathUnescape(rawID)
	return id, err == nil
}

// writeError answers as the REST-JSON protocol does: the error type in X-Amzn-ErrorType and
// in the body.
func writeError(w http.ResponseWriter, status int, errorType, message string) int {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", errorType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": errorType, "message": message})
	return status
}

// writeRefusal answers a call Config.Manage refused: a *check.Denial with its status, headers,
// X-Amzn-ErrorType and body (what the SDK decodes: ForbiddenException as its typed error,
// AccessDeniedException as a generic API error with that code), any other error with 500.
func writeRefusal(w http.ResponseWriter, err error) int {
	var d *check.Denial
	if !errors.As(err, &d) {
		return writeError(w, http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
	}
	for k, v := range d.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	if d.Type != "" {
		w.Header().Set("X-Amzn-ErrorType", d.Type)
	}
	w.WriteHeader(d.Status)
	_, _ = w.Write(d.Body())
	return d.Status
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

func byteSize(n int64) string {
	if n%1024 == 0 {
		return strconv.FormatInt(n/1024, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
