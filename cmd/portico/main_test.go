package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/testcache"
)

const fixture = "../../local/internal/testdata/assembly"

func TestRoutesCommand(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"route table", []string{"routes", "-a", fixture, "-p", "4567"}, []string{
			"stage prod     http://127.0.0.1:4567/9v9meb89t8/prod",
			"GET     /hello                       -> HelloAD23A60E  [auth: none]",
			"GET     /secure                      -> Probe0EC72DDE  [auth: IAM (SigV4)]",
			"GET     /keyed                       -> Probe0EC72DDE  [auth: API key required]",
			"stage ws       ws://127.0.0.1:4567/kap966lq4i/ws  (@connections: http://127.0.0.1:4567/kap966lq4i/ws/@connections/{connectionId})",
			"$connect                             -> Probe0EC72DDE  [auth: none]",
		}, ""},
		{"unknown stack", []string{"routes", "-a", fixture, "--stacks", "Nope"}, nil, `stack "Nope" is not in assembly`},
		{"missing assembly", []string{"routes", "-a", "no/such/dir"}, nil, `assembly "no/such/dir" has no manifest.json`},
		{"bad concurrency", []string{"serve", "-a", fixture, "-c", "0"}, nil, "--concurrency must be at least 1, got 0"},
		{"bad idle timeout", []string{"serve", "-a", fixture, "--ws-idle-timeout", "0s"}, nil, "--ws-idle-timeout and --ws-max-duration must be positive, got 0s and 2h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			root := newRoot(&out)
			root.SetErr(io.Discard)
			root.SetArgs(tt.args)
			err := root.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// children lists the processes whose parent is pid.
func children(t *testing.T, pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	var kids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			kids = append(kids, child)
		}
	}
	return kids
}

func TestServeStopsEveryChildOnInterrupt(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "portico")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cache, err := testcache.Dir()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "-a", fixture, "-p", "0", "--cache-dir", cache)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "serving on "); ok {
				urls <- strings.Fields(u)[0]
			}
		}
	}()
	var url string
	select {
	case url = <-urls:
	case <-time.After(5 * time.Minute): // includes building the fixture's functions, slow with a cold Go build cache on 2 cores
		t.Fatal("portico serve did not start")
	}
	for _, path := range []string{"/hello", "/items/1"} {
		resp, err := http.Get(url + "/9v9meb89t8/prod" + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
	kids := children(t, cmd.Process.Pid)
	if len(kids) < 2 {
		t.Fatalf("serve has %d child processes, want a process per invoked function", len(kids))
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v after Ctrl-C, want 0", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop within 5s of Ctrl-C")
	}
	for _, pid := range kids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("function process %d survived Ctrl-C", pid)
		}
	}
}
