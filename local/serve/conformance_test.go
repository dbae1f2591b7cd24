package serve_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/internal/eventkeys"
	"github.com/portico-dev/portico/local/serve"
)

// The conformance corpus (testdata/conformance, README.md there): requests recorded on AWS, the
// event the handler received and the answer the client got, replayed through serve with the
// probe echoing the event or returning the case's Lambda response verbatim.
const conformanceDir = "../internal/testdata/conformance"

// corpus is cases.json.
type corpus struct {
	Sources map[string]json.RawMessage `json:"sources"`
	Cases   []conformanceCase          `json:"cases"`
}

type conformanceCase struct {
	Name    string          `json:"name"`
	Source  string          `json:"source"`
	Ref     string          `json:"ref"`
	API     string          `json:"api"`
	Request rawRequest      `json:"request"`
	Respond json.RawMessage `json:"respond"`
	Expect  struct {
		Event       map[string]json.RawMessage `json:"event"`
		EventAbsent []string                   `json:"eventAbsent"`
		Status      int                        `json:"status"`
		Headers     map[string]json.RawMessage `json:"headers"`
		Body        *string                    `json:"body"`
		BodyBase64  string                     `json:"bodyBase64"`
		BodyJSON    json.RawMessage            `json:"bodyJSON"`
	} `json:"expect"`
}

type rawRequest struct {
	Method     string      `json:"method"`
	Target     string      `json:"target"`
	Headers    [][2]string `json:"headers"`
	Body       string      `json:"body"`
	BodyBase64 string      `json:"bodyBase64"`
}

func TestConformance(t *testing.T) {
	raw, err := os.ReadFile(conformanceDir + "/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var c corpus
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	gw, err := serve.Start(context.Background(), serve.Config{AssemblyDir: conformanceDir, CacheDir: cacheDir, Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	apiIDs := map[string]string{}
	for _, api := range gw.Server.APIs() {
		apiIDs[api.Name] = api.ID
	}
	addr := strings.TrimPrefix(gw.URL, "http://")
	for _, tc := range c.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			src, ok := c.Sources[tc.Source]
			if !ok || apiIDs[tc.API] == "" {
				t.Fatalf("case names source %q and API %q: not in cases.json or the fixture", tc.Source, tc.API)
			}
			host := apiIDs[tc.API] + ".execute-api.localhost:" + addr[strings.LastIndex(addr, ":")+1:]
			s := &sent{apiID: apiIDs[tc.API], host: host}
			resp, body := sendRaw(t, addr, tc.request(t, host))
			if problems := tc.check(s, resp, body); len(problems) > 0 {
				slices.Sort(problems)
				t.Errorf("case %s (source %s %s, %s)\n\t%s\nanswer: %d %v\n%s", tc.Name, tc.Source, tc.Ref, src,
					strings.Join(problems, "\n\t"), resp.StatusCode, resp.Header, body)
			}
		})
	}
}

// request is the case's request in bytes, as the client wrote it: the Host of the API first,
// then the case's headers in their order and case, x-probe-respond when the case gives the
// Lambda response, Content-Length when the case has a body and does not give it.
func (tc *conformanceCase) request(t *testing.T, host string) []byte {
	body := []byte(tc.Request.Body)
	if tc.Request.BodyBase64 != "" {
		var err error
		if body, err = base64.StdEncoding.DecodeString(tc.Request.BodyBase64); err != nil {
			t.Fatalf("bodyBase64: %v", err)
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", tc.Request.Method, tc.Request.Target, host)
	hasLength := false
	for _, h := range tc.Request.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
		hasLength = hasLength || strings.EqualFold(h[0], "Content-Length")
	}
	if tc.Respond != nil {
		fmt.Fprintf(&b, "x-probe-respond: %s\r\n", base64.StdEncoding.EncodeToString(tc.Respond))
	}
	if len(body) > 0 && !hasLength {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

func sendRaw(t *testing.T, addr string, req []byte) (*http.Response, []byte) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := conn.Write(req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer body: %v", err)
	}
	return resp, body
}

// check lists how the answer, and the event the probe echoed in it, differ from the case.
func (tc *conformanceCase) check(s *sent, resp *http.Response, body []byte) []string {
	var problems []string
	want := tc.Expect
	if resp.StatusCode != want.Status {
		problems = append(problems, fmt.Sprintf("status %d, want %d", resp.StatusCode, want.Status))
	}
	for name, w := range want.Headers {
		got, ok := resp.Header[http.CanonicalHeaderKey(name)]
		if !ok {
			problems = append(problems, fmt.Sprintf("answer header %s missing, want %s", name, compact(w)))
		} else if !s.matches(w, strings.Join(got, ", ")) {
			problems = append(problems, fmt.Sprintf("answer header %s = %q, want %s", name, got, compact(w)))
		}
	}
	if want.Body != nil && string(body) != *want.Body {
		problems = append(problems, fmt.Sprintf("body %q, want %q", body, *want.Body))
	}
	if want.BodyBase64 != "" && base64.StdEncoding.EncodeToString(body) != want.BodyBase64 {
		problems = append(problems, fmt.Sprintf("body (base64) %s, want %s", base64.StdEncoding.EncodeToString(body), want.BodyBase64))
	}
	if want.BodyJSON != nil && !s.matches(want.BodyJSON, decodeJSON(body)) {
		problems = append(problems, fmt.Sprintf("body %s, want %s", body, compact(want.BodyJSON)))
	}
	if len(want.Event) == 0 && len(want.EventAbsent) == 0 {
		return problems
	}
	var e struct{ Event json.RawMessage }
	if json.Unmarshal(body, &e) != nil || e.Event == nil {
		return append(problems, "the answer is not the probe's echo: no event to check")
	}
	event := decodeJSON(e.Event)
	for path, w := range want.Event {
		got, ok := eventkeys.Lookup(event, path)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("event %s missing, want %s", path, compact(w)))
		case !s.matches(w, got):
			problems = append(problems, fmt.Sprintf("event %s = %s, want %s", path, encode(got), compact(w)))
		}
	}
	for _, path := range want.EventAbsent {
		if got, ok := eventkeys.Lookup(event, path); ok {
			problems = append(problems, fmt.Sprintf("event %s = %s, want absent", path, encode(got)))
		}
	}
	return problems
}

// sent is what a form may refer to: the request's API and Host.
type sent struct{ apiID, host string }

// matches compares got with the expectation want: a JSON value, or {"$form": name} for a
// value that changes with every request (for a list, each of its values).
func (s *sent) matches(want json.RawMessage, got any) bool {
	var form struct {
		Form string `json:"$form"`
	}
	if json.Unmarshal(want, &form) != nil || form.Form == "" {
		return reflect.DeepEqual(decodeJSON(want), got)
	}
	if list, isList := got.([]any); isList { // a multi-value key: every value has the form
		for _, v := range list {
			if !s.matches(want, v) {
				return false
			}
		}
		return len(list) > 0
	}
	str, _ := got.(string)
	switch form.Form {
	case "api-id":
		return str == s.apiID
	case "host": // the Host without the port: the cloud's Host has none
		return str == s.host[:strings.LastIndex(s.host, ":")]
	case "ip":
		_, err := netip.ParseAddr(strings.TrimSpace(strings.Split(str, ",")[0]))
		return err == nil
	case "epoch-ms":
		n, ok := got.(json.Number)
		ms, err := strconv.ParseInt(string(n), 10, 64)
		return ok && err == nil && time.Since(time.UnixMilli(ms)).Abs() < 24*time.Hour
	}
	re, ok := forms[form.Form]
	return ok && re.MatchString(str)
}

// forms are the patterns of cases.json's "forms" that are regular expressions.
var forms = map[string]*regexp.Regexp{
	"uuid":           regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
	"apigwid16":      regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`),
	"xray-trace":     regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}`),
	"clf-time":       regexp.MustCompile(`^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$`),
	"account-id":     regexp.MustCompile(`^\d{12}$`),
	"nonempty":       regexp.MustCompile(`.`),
	"cloudfront-via": regexp.MustCompile(`^(1\.1|2\.0) [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$`),
	"cloudfront-id":  regexp.MustCompile(`^[A-Za-z0-9_=-]{56}$`),
}

func decodeJSON(b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	json.Compact(&b, raw)
	return b.String()
}

func encode(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
