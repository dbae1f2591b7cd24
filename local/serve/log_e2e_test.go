package serve_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// A client cannot write a log line of its own: what it controls (path, query, headers quoted in
// a refusal's reason) is escaped in the one line of its request.
func TestRequestLogEscapesClientText(t *testing.T) {
	g := startAccess(t)
	const forged = "\n200 GET /forged"
	marker := nonce() // the shared gateway's log holds the lines of earlier runs too
	// The token's kid is quoted by the JWT verifier's refusal ("no usable key for kid ..."),
	// which the log line gives as the reason of the 401.
	token, err := g.pool.Issuer.Sign(map[string]any{"kid": "k" + forged}, g.pool.Issuer.IDClaims(g.pool.ClientIDs[0], "mallory"))
	if err != nil {
		t.Fatal(err)
	}
	// The path and query carry the line percent-encoded; the query carries it also as raw bytes
	// Go lets through (U+2028 LINE SEPARATOR, U+0085 NEXT LINE).
	target := base4(g, plainID, "/cognito-id%0A200%20GET%20/forged") + "?marker=" + marker + "&a=%0A200%20GET%20/forged&b=\u2028200\u0085GET"
	if r := getFrom(t, clientFrom("127.0.0.3"), target, nil); r.status != http.StatusForbidden {
		t.Fatalf("forged path: got %d %s, want 403 (no such resource)", r.status, r.body)
	}
	if r := getFrom(t, clientFrom("127.0.0.3"), base4(g, plainID, "/cognito-id?marker="+marker+"-token"), auth(token)); r.status != http.StatusUnauthorized {
		t.Fatalf("forged token: got %d %s, want 401", r.status, r.body)
	}
	out := g.out.WaitFor(5*time.Second, "marker="+marker+"&", "marker="+marker+"-token")
	// Lines of this run: the two requests' own, and any line a forgery would have started.
	var lines []string
	for l := range strings.Lines(out) {
		if len(lines) > 0 || strings.Contains(l, "marker="+marker) {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	want := []*regexp.Regexp{
		regexp.MustCompile(`^GET /` + plainID + `/prod/cognito-id%0A200%20GET%20/forged\?marker=` + marker + `&a=%0A200%20GET%20/forged&b=\\u2028200\\u0085GET 403 `),
		regexp.MustCompile(`^GET /` + plainID + `/prod/cognito-id\?marker=` + marker + `-token 401 .*kid \"k\\n200 GET /forged\"`),
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d log lines about the requests, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("log line %q does not match %s", lines[i], re)
		}
	}
}

// A client that hangs up is logged as abandoned (499, as nginx logs it), not as a 500 of the
// function, and the function keeps its process.
func TestRequestLogAbandoned(t *testing.T) {
	impatient := &http.Client{Timeout: 300 * time.Millisecond}
	path := "/items/abandoned-" + nonce() + "?do=sleep&ms=1500"
	if resp, err := impatient.Get(restURL("prod", path)); err == nil {
		resp.Body.Close()
		t.Fatal("the client did not give up")
	}
	line := regexp.MustCompile(`(?m)^GET /` + restID + `/prod` + regexp.QuoteMeta(path) + ` 499 \S+ Probe0EC72DDE (cold|warm) \(abandoned: the client closed the connection\)$`)
	if out := logs.WaitFor(5*time.Second, path+" 4"); !line.MatchString(out) {
		t.Errorf("no abandoned line matching %s in:\n%s", line, out)
	}
}

// A request that waits for a busy function's process says so, and for how long.
func TestRequestLogQueued(t *testing.T) {
	g := startAccess(t) // one process per function
	marker := nonce()
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			url := base4(g, plainID, "/open?do=sleep&ms=600&marker="+marker+string(rune('a'+i)))
			if r := getFrom(t, clientFrom("127.0.0.3"), url, nil); r.status != http.StatusOK {
				t.Errorf("got %d %s", r.status, r.body)
			}
		})
	}
	wg.Wait()
	out := g.out.WaitFor(5*time.Second, "marker="+marker+"a 200", "marker="+marker+"b 200")
	queued := regexp.MustCompile(`(?m)^GET /` + plainID + `/prod/open\?do=sleep&ms=600&marker=` + marker + `[ab] 200 \S+ \S+ warm queued ([0-9.]+)ms$`)
	m := queued.FindAllStringSubmatch(out, -1)
	if len(m) != 1 {
		t.Fatalf("want one of the two requests logged as queued behind the other, got %q in:\n%s", m, out)
	}
	if d, _ := time.ParseDuration(m[0][1] + "ms"); d < 400*time.Millisecond {
		t.Errorf("queued %s, want about 600ms", d)
	}
}

// nonce tells one run's requests from those of earlier runs in a shared gateway's log.
func nonce() string { return strconv.FormatInt(time.Now().UnixNano(), 36) }
