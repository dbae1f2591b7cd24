package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The limits API Gateway puts on a request before its integration runs, and the answers the
// gateway gives when one is passed (the cloud's status where it is documented; the README's
// "Known differences" lists the choices).

// maxHead is the most a request's head may take: "Total combined size of request line and
// header values | 10240 bytes" ("Quotas for configuring and running an HTTP API in API Gateway";
// the REST API quota table has the same row). The gateway counts the request line and each
// header's name and value (line ends and separators aside), so that a head of many empty
// headers counts too.
const maxHead = 10240

// maxHeadBytes bounds what Go's server reads of a head before the gateway counts it (maxHead);
// a longer head is refused by Go's server, and that refusal answered as the gateway's.
const maxHeadBytes = 64 << 10

// maxMethodARN: "When authorization is enabled on a method, the maximum length of the method's
// ARN (for example, arn:aws:execute-api:{region-id}:{account-id}:{api-id}/{stage-id}/{method}/
// {resource}/{path}) is 1600 bytes. ... When this happens, the API client receives a 414
// Request URI too long response." ("Amazon API Gateway quotas and important notes")
const maxMethodARN = 1600

// headTimeout is how long a request's head may take to arrive.
const headTimeout = 10 * time.Second

// Limits are the timeouts of a connection and the cap on open connections of a listener. API
// Gateway documents no timeout for a client's upload nor for an idle HTTP connection; the
// defaults follow the numbers it does document.
type Limits struct {
	// Body is how long a request body may take to arrive, from the end of its head; a body
	// still arriving then is answered 408. Default 30 s, the longest integration timeout
	// ("Maximum integration timeout | 30 seconds", HTTP API quotas; REST: 29 s).
	Body time.Duration
	// Write is how long an answer may take to be written, from its first byte. Default 30 s.
	Write time.Duration
	// Idle is how long a keep-alive connection may wait for its next request. Default 10 min,
	// API Gateway's "Idle Connection Timeout | 10 minutes" (WebSocket API quotas, the only idle
	// timeout its quota pages give). Hijacked (WebSocket) connections are not held to it.
	Idle time.Duration
	// Conns caps the open connections of a listener, WebSocket connections included; the next
	// one is answered 429 and closed. Default 1024.
	Conns int
}

func (l Limits) withDefaults() Limits {
	if l.Body <= 0 {
		l.Body = 30 * time.Second
	}
	if l.Write <= 0 {
		l.Write = 30 * time.Second
	}
	if l.Idle <= 0 {
		l.Idle = 10 * time.Minute
	}
	if l.Conns <= 0 {
		l.Conns = 1024
	}
	return l
}

// timed holds each request of h to lim: its body must arrive within lim.Body and its answer be
// written within lim.Write of its first byte. The time in between is the integration's, bounded
// by its own timeout.
func timed(h http.Handler, lim Limits) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Time{}) // set by Go's server when the head was read
		if r.ContentLength != 0 {
			_ = rc.SetReadDeadline(time.Now().Add(lim.Body))
			r.Body = &timedBody{ReadCloser: r.Body, rc: rc}
		}
		c, _ := r.Context().Value(connKey{}).(*recordingConn)
		c.answering(true)
		defer c.answering(false)
		tw := &timedWriter{ResponseWriter: w, rc: rc, limit: lim.Write}
		h.ServeHTTP(tw, r)
		if tw.started { // not after a 101 and a hijack (a WebSocket), where Flush panics
			_ = rc.Flush() // the answer is on the wire before answering(false): see recordingConn.Write
		}
	})
}

// timedBody lifts the body's read deadline once the body has arrived: Go's server then reads
// on in the background to notice a client going away, which must not time out.
type timedBody struct {
	io.ReadCloser
	rc *http.ResponseController
}

// errBodyTimeout is a body that did not arrive within Limits.Body: answered 408 (API Gateway
// documents no answer; 408 is HTTP's), though Go's server has cancelled the request's context.
var errBodyTimeout = errors.New("request body not received in time")

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var ne net.Error
	switch {
	case err == io.EOF:
		_ = b.rc.SetReadDeadline(time.Time{})
	case errors.As(err, &ne) && ne.Timeout():
		err = errBodyTimeout
	}
	return n, err
}

// timedWriter sets the write deadline when the answer starts (not for 1xx answers, e.g. a
// WebSocket's 101, whose connection is then hijacked and free of deadlines).
type timedWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	limit   time.Duration
	started bool
}

func (w *timedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *timedWriter) WriteHeader(code int) {
	if code >= 200 && !w.started {
		w.started = true
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.limit))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *timedWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// headSize is what the gateway counts of r's head against maxHead: the request line and each
// header's name and value.
func headSize(r *http.Request) int {
	n := len(r.Method) + len(" ") + len(r.RequestURI) + len(" ") + len(r.Proto)
	if r.Host != "" {
		n += len("Host") + len(r.Host)
	}
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + len(v)
		}
	}
	return n
}

// headTooLarge is the answer to a head over maxHead. Its message is the one clients of API
// Gateway report ("HTTP header is larger than 10240 bytes.", ntsblog.homedev.com.au, "AWS API
// Gateway – HTTP header is larger than 10240 bytes."); the status is not documented: 431 is
// HTTP's (RFC 6585).
func headTooLarge() *Error {
	return &Error{Status: http.StatusRequestHeaderFieldsTooLarge, Message: fmt.Sprintf("HTTP header is larger than %d bytes.", maxHead)}
}

// http2Preface is the answer to the HTTP/2 connection preface ("PRI * HTTP/2.0"), which Go's
// server hands to the handler: the gateway speaks HTTP/1.1 only, and answers it as Go's server
// answers any other HTTP/2.0 request line.
func http2Preface() *Error {
	return &Error{Status: http.StatusHTTPVersionNotSupported, Message: "HTTP Version Not Supported: unsupported protocol version"}
}

// uriTooLong is the answer to a request whose method ARN is over maxMethodARN.
func uriTooLong() *Error {
	return &Error{Status: http.StatusRequestURITooLong, Message: "Request URI too long"}
}

// tooManyConnections is the answer to a connection over Limits.Conns. API Gateway caps no
// connections ("API Gateway doesn't enforce a quota on concurrent connections", WebSocket API
// quotas); it answers more load than it takes with its throttling answer, 429 "Too Many
// Requests" ("Throttle quota per account, per Region across HTTP APIs, REST APIs, WebSocket
// APIs ...", "Amazon API Gateway quotas").
func tooManyConnections() *Error {
	return &Error{Status: http.StatusTooManyRequests, Message: "Too Many Requests"}
}

// parseQuery reads a query string as API Gateway does: pairs separated by "&", and on REST APIs
// by ";" too ("The semicolon character (;) is not supported for any request URL query string and
// results in the data being split.", "Amazon API Gateway important notes for REST APIs"; HTTP
// APIs are not said to split, and keep "a=1;b=2" as a = "1;b=2"). Names and values are
// percent-decoded ("+" is a space); an invalid escape is refused with 400, never dropped.
func parseQuery(raw string, kind Kind) (url.Values, error) {
	seps := "&"
	if kind == REST {
		seps = "&;"
	}
	q := url.Values{}
	for _, pair := range strings.FieldsFunc(raw, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return nil, badQuery(pair)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, badQuery(pair)
		}
		q[name] = append(q[name], value)
	}
	return q, nil
}

// badQuery refuses a query parameter with an invalid percent-encoding. API Gateway answers a
// stray "%" in a URL with 400 (ustayready/fireprox issue #27, "percentange symbol (%) causes 400
// error"); its body is not documented.
func badQuery(pair string) *Error {
	return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("Bad Request: invalid percent-encoding in query parameter %q: a %% must be followed by two hexadecimal digits", pair)}
}

// hostName is host without its port and trailing dot, in lower case: DNS names match whatever
// their case, and "name." is the same name as "name".
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// refuseFunc answers, as raw bytes, a request refused below the pipeline with e; head is what
// the connection read of it (its request line names it in the log).
type refuseFunc func(head []byte, e *Error) []byte

// refuser is the gateway's handler, which answers and logs refusals made below its pipeline.
type refuser interface {
	refuse(w http.ResponseWriter, r *http.Request, e *Error)
}

// refuse answers e as the pipeline answers its refusals (JSON body, request ids) and logs it.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, e *Error) {
	s.logRequest(answerRefusal(w, r, e), e.Status, e)
}

func answerRefusal(w http.ResponseWriter, r *http.Request, e *Error) *Exchange {
	x := &Exchange{Request: r, Start: time.Now()}
	x.stamp()
	writeError(w, x, e)
	return x
}

// refuserOf is how refusals below h are answered: by h when it is the gateway's, else in the
// same shape without a log.
func refuserOf(h http.Handler) refuseFunc {
	answer := func(w http.ResponseWriter, r *http.Request, e *Error) { answerRefusal(w, r, e) }
	if g, ok := h.(refuser); ok {
		answer = g.refuse
	}
	return func(head []byte, e *Error) []byte {
		rec := &recorder{header: http.Header{}}
		answer(rec, headRequest(head), e)
		var out bytes.Buffer
		resp := &http.Response{
			StatusCode: rec.status, ProtoMajor: 1, ProtoMinor: 1, Header: rec.header, Close: true,
			ContentLength: int64(rec.body.Len()), Body: io.NopCloser(&rec.body),
		}
		_ = resp.Write(&out)
		return out.Bytes()
	}
}

// headRequest is the request whose head starts head, as far as its request line can be read
// (the log names it by method and target; "-" when the line is gone, e.g. from a head longer
// than the connection keeps).
func headRequest(head []byte) *http.Request {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	method, rest, _ := strings.Cut(strings.TrimSuffix(string(line), "\r"), " ")
	target, proto, _ := strings.Cut(rest, " ")
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		method, target, proto, major, minor = "-", "-", "HTTP/1.1", 1, 1
	}
	return &http.Request{
		Method: method, URL: &url.URL{Opaque: target}, RequestURI: target,
		Proto: proto, ProtoMajor: major, ProtoMinor: minor, Header: http.Header{},
	}
}

// recorder is the ResponseWriter of a refusal answered below the pipeline.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }

// goRefusal reads the answer Go's server writes itself, before any handler runs, to a head it
// cannot read (a bad request line or "%" escape in the path, a missing, malformed or repeated
// Host, an invalid header, an unsupported protocol version or transfer encoding, a head over
// maxHeadBytes): "HTTP/1.1 {status} {text}" and these plain-text headers, which an answer
// written through a handler never starts with (its headers are sorted and carry a Date). It
// returns the gateway's answer to the same refusal, nil when p is not such an answer.
func goRefusal(p []byte) *Error {
	const plain = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	line, _, ok := bytes.Cut(p, []byte(plain))
	rest, isStatus := bytes.CutPrefix(line, []byte("HTTP/1.1 "))
	if !ok || !isStatus || bytes.ContainsAny(line, "\r\n") || len(rest) < 5 || rest[3] != ' ' {
		return nil
	}
	status, err := strconv.Atoi(string(rest[:3]))
	switch {
	case err != nil:
		return nil
	case status == http.StatusRequestHeaderFieldsTooLarge:
		return headTooLarge()
	}
	return &Error{Status: status, Message: string(rest[4:])}
}
