// Package websocket serves one stage of an API Gateway WebSocket API on a local listener: the
// upgrade endpoint that runs the $connect authorizer and route, route selection for each
// message, $disconnect, the @connections management API at the stage's callback URL, and the
// cloud's frame, message, idle and duration limits. Route handlers run through an Invoker.
package websocket

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/internal/proxyevent"
)

// writeTimeout bounds each frame sent to a client, so a stuck client cannot hold a sender.
const writeTimeout = 5 * time.Second

// Server is one WebSocket API stage. Serve ConnectHandler at the stage's WebSocket URL and
// ManagementHandler at its callback URL (paths ending in /{stage}/@connections/{id}).
type Server struct {
	cfg       Config
	selection []string

	mu       sync.Mutex
	conns    map[string]*connection
	shutdown bool
	wg       sync.WaitGroup // open connections, until their $disconnect ran
}

// New validates cfg and returns a Server with no connections.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	selection, _ := parseSelectionExpression(cfg.RouteSelectionExpression) // validated above
	return &Server{cfg: cfg, selection: selection, conns: map[string]*connection{}}, nil
}

// connection is one accepted client.
type connection struct {
	srv         *Server
	id          string
	ws          *websocket.Conn
	guard       *frameGuard
	connectedAt time.Time
	lastActive  atomic.Int64 // unix nanoseconds of the last data message either way
	idleTimer   Timer
	sourceIP    string
	sourceAddr  netip.Addr // sourceIP parsed; invalid when the address is not an IP
	userAgent   string
	domainName  string
	grant       grant
	inflight    sync.WaitGroup // message handlers still running

	closeOnce   sync.Once
	closeMu     sync.Mutex
	closeCode   websocket.StatusCode // set when the server closes
	closeReason string
}

// ConnectHandler returns the handler of the upgrade request.
func (s *Server) ConnectHandler() http.Handler { return http.HandlerFunc(s.serveConnect) }

func (s *Server) serveConnect(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ip := proxyevent.SourceIP(r)
	if bad := checkHandshake(r); bad != nil {
		bad.write(w)
		s.cfg.Logger.Info("websocket connect refused", "route", RouteConnect, "sourceIp", ip, "status", bad.status, "latency", time.Since(start), "error", bad.message)
		return
	}
	addr, _ := netip.ParseAddr(ip) // invalid stays the zero Addr: no source IP
	c := &connection{
		srv:         s,
		id:          newID(),
		connectedAt: s.cfg.Clock.Now(),
		sourceIP:    ip,
		sourceAddr:  addr.Unmap(),
		userAgent:   r.UserAgent(),
		// The Host of the upgrade, so that handlers that build their callback URL from
		// domainName and stage reach this server.
		domainName: r.Host,
	}
	log := s.cfg.Logger.With("connectionId", c.id, "route", RouteConnect, "sourceIp", c.sourceIP)

	subprotocol, log, refusal, err := s.connect(r, c, log)
	if refusal != nil {
		writeMessage(w, refusal.StatusCode, refusal.Message)
		log.Info("websocket connect refused", "status", refusal.StatusCode, "latency", time.Since(start), "error", err)
		return
	}
	gw := &guardedWriter{ResponseWriter: w, limit: s.cfg.Limits.FrameBytes}
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true} // API Gateway does not check Origin
	if subprotocol != "" {
		opts.Subprotocols = []string{subprotocol}
	}
	ws, err := websocket.Accept(gw, r, opts)
	if err != nil {
		log.Warn("websocket upgrade failed", "error", err)
		// $connect ran and may have stored the connection: tell $disconnect it is gone.
		c.disconnect(websocket.StatusAbnormalClosure, "")
		return
	}
	ws.SetReadLimit(s.cfg.Limits.MessageBytes)
	c.ws, c.guard = ws, gw.guard
	c.touch()
	if !s.register(c) {
		_ = ws.Close(websocket.StatusGoingAway, "Going away")
		return
	}
	log.Info("websocket connected", "status", http.StatusSwitchingProtocols, "latency", time.Since(start))
	c.serve()
}

// connect runs the authorizer and the $connect route. It returns the subprotocol the handler
// chose and log with the function, or the refusal to answer the upgrade with (and the error
// behind it, for the log).
func (s *Server) connect(r *http.Request, c *connection, log *slog.Logger) (string, *slog.Logger, *Refusal, error) {
	query := r.URL.Query()
	ev := c.connectEvent(r, query)
	req := c.accessRequest(RouteConnect, ev.RequestContext.RequestID)
	req.HTTP, req.Headers, req.Query = r, r.Header, query
	if s.cfg.Authorizer != nil {
		authorizer, caller, err := s.cfg.Authorizer.AuthorizeConnect(r.Context(), req)
		if err != nil {
			return "", log, refusal(err), err
		}
		c.grant = grant{authorizer: authorizer, caller: caller}
		c.grant.apply(&ev.RequestContext)
	}
	if err := s.admit(r.Context(), req); err != nil {
		return "", log, refusal(err), err
	}
	route, ok := s.cfg.Routes[RouteConnect]
	if !ok {
		return "", log, nil, nil
	}
	resp, log, err := s.invoke(route, &ev, log)
	if err != nil {
		return "", log, &Refusal{StatusCode: http.StatusBadGateway, Message: "Internal server error"}, err
	}
	// A response without statusCode is taken as success; any other non-2xx refuses the upgrade
	// with that status, as the cloud does.
	if resp.StatusCode != 0 && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		return "", log, &Refusal{StatusCode: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}, nil
	}
	return headerValue(resp, "Sec-WebSocket-Protocol"), log, nil, nil
}

// accessRequest is a request of the connection to routeKey as access control sees it; $connect
// adds the upgrade's headers and query string.
func (c *connection) accessRequest(routeKey, requestID string) *check.Request {
	cfg := c.srv.cfg
	return &check.Request{APIID: cfg.APIID, Stage: cfg.Stage, RequestID: requestID, RouteKey: routeKey, StageVars: cfg.StageVariables,
		Headers: http.Header{}, SourceIP: c.sourceAddr}
}

// admit runs the Admission, if any, on r.
func (s *Server) admit(ctx context.Context, r *check.Request) error {
	if s.cfg.Admission == nil {
		return nil
	}
	return s.cfg.Admission.Admit(ctx, r)
}

// refusal is the refusal err carries, else 500 Internal server error.
func refusal(err error) *Refusal {
	var ref *Refusal
	var denial *check.Denial
	switch {
	case errors.As(err, &ref):
		return ref
	case errors.As(err, &denial):
		return &Refusal{StatusCode: denial.Status, Message: denial.Message}
	}
	return &Refusal{StatusCode: http.StatusInternalServerError, Message: "Internal server error"}
}

// headerValue finds a response header case-insensitively, single-value form first.
func headerValue(resp events.APIGatewayProxyResponse, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, v := range resp.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func (s *Server) register(c *connection) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	s.conns[c.id] = c
	s.wg.Add(1)
	return true
}

// unregister makes the connection gone for @connections; it reports whether it was there.
func (s *Server) unregister(c *connection) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[c.id] != c {
		return false
	}
	delete(s.conns, c.id)
	return true
}

func (s *Server) lookup(id string) *connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[id]
}

// Shutdown closes every connection with 1001 "Going away" and waits, until ctx ends, for
// their $disconnect routes. New upgrades are refused afterwards.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	conns := make([]*connection, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		go c.close(websocket.StatusGoingAway, "Going away")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *connection) touch() { c.lastActive.Store(c.srv.cfg.Clock.Now().UnixNano()) }

// serve reads messages until the connection closes, then runs $disconnect.
func (c *connection) serve() {
	s := c.srv
	defer s.wg.Done()
	lim, clock := s.cfg.Limits, s.cfg.Clock
	c.idleTimer = clock.AfterFunc(lim.IdleTimeout, c.checkIdle)
	maxDuration := clock.AfterFunc(lim.MaxDuration, func() { c.close(websocket.StatusGoingAway, "Going away") })
	defer c.idleTimer.Stop()
	defer maxDuration.Stop()

	var err error
	for {
		var typ websocket.MessageType
		var data []byte
		typ, data, err = c.ws.Read(context.Background())
		if err != nil {
			break
		}
		c.touch()
		if code, reason := unrouted(typ, data); code != 0 {
			c.close(code, reason)
			break
		}
		c.inflight.Add(1)
		go c.handleMessage(data)
	}
	code, reason := c.closeStatus(err)
	c.close(code, reason)
	s.unregister(c)
	c.inflight.Wait()
	c.disconnect(code, reason)
}

// checkIdle closes the connection if it has been idle for the limit, or re-arms itself.
func (c *connection) checkIdle() {
	idleFor := c.srv.cfg.Clock.Now().Sub(time.Unix(0, c.lastActive.Load()))
	limit := c.srv.cfg.Limits.IdleTimeout
	if idleFor >= limit {
		c.close(websocket.StatusGoingAway, "Going away")
		return
	}
	c.idleTimer.Reset(limit - idleFor)
}

// closeStatus is the close code and reason reported to $disconnect.
func (c *connection) closeStatus(readErr error) (websocket.StatusCode, string) {
	c.closeMu.Lock()
	code, reason := c.closeCode, c.closeReason
	c.closeMu.Unlock()
	var ce websocket.CloseError
	switch {
	case code != 0:
		return code, reason
	case c.guard != nil && c.guard.tooBig.Load():
		return websocket.StatusMessageTooBig, "Frame too big"
	case errors.Is(readErr, websocket.ErrMessageTooBig):
		return websocket.StatusMessageTooBig, "Message too big"
	case errors.As(readErr, &ce):
		return ce.Code, ce.Reason
	}
	return websocket.StatusAbnormalClosure, ""
}

// close closes the connection once with code and reason, recording them for $disconnect.
func (c *connection) close(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.closeMu.Lock()
		c.closeCode, c.closeReason = code, reason
		c.closeMu.Unlock()
		if err := c.ws.Close(code, reason); err != nil {
			_ = c.ws.CloseNow()
		}
	})
}

// disconnect runs the $disconnect route, best effort as in the cloud.
func (c *connection) disconnect(code websocket.StatusCode, reason string) {
	s := c.srv
	start, now := time.Now(), s.cfg.Clock.Now()
	log := s.cfg.Logger.With("connectionId", c.id, "route", RouteDisconnect, "disconnectStatusCode", int(code), "disconnectReason", reason, "duration", now.Sub(c.connectedAt))
	route, ok := s.cfg.Routes[RouteDisconnect]
	if !ok {
		log.Info("websocket disconnected")
		return
	}
	ev := c.disconnectEvent(code, reason, now)
	_, log, err := s.invoke(route, &ev, log)
	if err != nil {
		log.Warn("websocket disconnected", "status", http.StatusBadGateway, "latency", time.Since(start), "error", err)
		return
	}
	log.Info("websocket disconnected", "status", http.StatusOK, "latency", time.Since(start))
}

// unrouted is the close code and reason of a client message that no route may get, or 0.
func unrouted(typ websocket.MessageType, data []byte) (websocket.StatusCode, string) {
	switch {
	case typ == websocket.MessageBinary:
		// "API Gateway WebSocket APIs don't currently support binary frames in incoming
		// message payloads. If a client app sends a binary frame, API Gateway rejects it and
		// disconnects the client with code 1003." (AWS docs, "Binary media types for
		// WebSocket APIs in API Gateway"; the close reason is not documented.)
		return websocket.StatusUnsupportedData, "Binary frames are not supported"
	case !utf8.Valid(data):
		// RFC 6455 section 8.1: an endpoint that receives a text message that is not valid
		// UTF-8 fails the connection, with 1007 (section 7.4.1).
		return websocket.StatusInvalidFramePayloadData, "Invalid UTF-8 in text frame"
	}
	return 0, ""
}

// handleMessage selects the route of one client text message and runs it.
func (c *connection) handleMessage(data []byte) {
	defer c.inflight.Done()
	s := c.srv
	start := time.Now()
	ev := c.baseEvent(RouteDefault, "MESSAGE", s.cfg.Clock.Now())
	ev.RequestContext.MessageID = newID()
	ev.Body = string(data)
	if key, ok := selectRouteKey(s.selection, data); ok && key != RouteConnect && key != RouteDisconnect {
		if _, exists := s.cfg.Routes[key]; exists {
			ev.RequestContext.RouteKey = key
		}
	}
	log := s.cfg.Logger.With("connectionId", c.id, "route", ev.RequestContext.RouteKey, "messageId", ev.RequestContext.MessageID, "bytes", len(data))
	route, ok := s.cfg.Routes[ev.RequestContext.RouteKey]
	if !ok {
		c.sendError("Forbidden", ev.RequestContext.RequestID)
		log.Info("websocket message", "status", http.StatusForbidden, "latency", time.Since(start), "error", "no route matched and no $default route")
		return
	}
	if err := s.admit(context.Background(), c.accessRequest(ev.RequestContext.RouteKey, ev.RequestContext.RequestID)); err != nil {
		ref := refusal(err)
		c.sendError(ref.Message, ev.RequestContext.RequestID)
		log.Info("websocket message", "status", ref.StatusCode, "latency", time.Since(start), "error", err)
		return
	}
	resp, log, err := s.invoke(route, &ev, log)
	if err != nil {
		c.sendError("Internal server error", ev.RequestContext.RequestID)
		log.Warn("websocket message", "status", http.StatusBadGateway, "latency", time.Since(start), "error", err)
		return
	}
	if route.RouteResponse && resp.Body != "" {
		if err := c.sendBody(resp); err != nil {
			log.Warn("websocket message", "status", http.StatusGone, "latency", time.Since(start), "error", err)
			return
		}
	}
	log.Info("websocket message", "status", http.StatusOK, "latency", time.Since(start))
}

// sendBody sends an integration response body: binary when the handler base64-encoded it.
func (c *connection) sendBody(resp events.APIGatewayProxyResponse) error {
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return err
		}
		return c.send(websocket.MessageBinary, b)
	}
	return c.send(websocket.MessageText, []byte(resp.Body))
}

// sendError sends the error frame the cloud sends when it cannot run a route.
func (c *connection) sendError(message, requestID string) {
	b, _ := json.Marshal(map[string]string{"message": message, "connectionId": c.id, "requestId": requestID})
	_ = c.send(websocket.MessageText, b) // the client may be gone already; nothing else to tell
}

func (c *connection) send(typ websocket.MessageType, data []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, typ, data); err != nil {
		return err
	}
	c.touch()
	return nil
}

func (s *Server) integrationContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.cfg.Limits.IntegrationTimeout)
}

// writeMessage writes an API Gateway style error body {"message": ...}.
func writeMessage(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}
