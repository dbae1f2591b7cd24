package runtime_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/syncbuf"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/invoke"
	"github.com/portico-dev/portico/local/runtime"
)

const hijackEnv = "PORTICO_TEST_HIJACK_RUNTIME_API"

// TestHelperHijacker is the other process of TestRuntimeAPIRefusesOtherProcesses: for a
// second it polls the function's Runtime API for invocations and answers each with a forged
// response, printing one line per attempt.
func TestHelperHijacker(t *testing.T) {
	api := os.Getenv(hijackEnv)
	if api == "" {
		t.Skip("helper process only")
	}
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		fmt.Println("polling")
		resp, err := client.Get("http://" + api + "/2018-06-01/runtime/invocation/next")
		if err != nil {
			fmt.Println("no event:", err)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		if resp.StatusCode != http.StatusOK || id == "" {
			fmt.Println("no event: status", resp.StatusCode)
			continue
		}
		forged := strings.NewReader(`{"statusCode":200,"body":"forged"}`)
		if r, err := client.Post("http://"+api+"/2018-06-01/runtime/invocation/"+id+"/response", "application/json", forged); err == nil {
			r.Body.Close()
		}
		fmt.Println("took", id)
	}
}

// TestRuntimeAPIRefusesOtherProcesses: another process that finds a function's Runtime API
// (here from the function's environment, as any process of the same user can read it) and
// polls it for invocations is refused, while the function keeps serving its own.
func TestRuntimeAPIRefusesOtherProcesses(t *testing.T) {
	var logs syncbuf.Buffer
	fn := &assembly.Function{ID: "Probe", Name: "Probe", ARN: "arn:aws:lambda:eu-west-1:123456789012:function:Probe", Timeout: 3 * time.Second}
	m, err := runtime.New(runtime.Config{Functions: []*assembly.Function{fn}, Binaries: map[string]string{"Probe": probeBinary}, Logs: &logs, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	call := func() (*invoke.Result, error) {
		return m.Invoke(context.Background(), invoke.Call{Function: "Probe", Payload: event("")})
	}
	if _, err := call(); err != nil { // the process starts and waits for its next event
		t.Fatal(err)
	}
	api := runtimeAPIOf(t, m.Processes()[0])

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	helper := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperHijacker$")
	helper.Env = append(os.Environ(), hijackEnv+"="+api)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "polling" {
		t.Fatalf("helper did not start polling: %q", lines.Text())
	}
	// Each call is answered by the function itself, not by the other process.
	for range 6 {
		res, err := call()
		if err != nil {
			t.Fatal(err)
		}
		var resp struct{ Body string }
		var echo struct {
			RequestID string `json:"requestId"`
		}
		if json.Unmarshal(res.Payload, &resp) != nil || json.Unmarshal([]byte(resp.Body), &echo) != nil || echo.RequestID != res.RequestID {
			t.Errorf("call %s answered %s, not by the function", res.RequestID, res.Payload)
		}
		time.Sleep(50 * time.Millisecond) // the other process polls again meanwhile
	}
	var rest bytes.Buffer
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	_ = helper.Wait()
	if strings.Contains(rest.String(), "took ") || !strings.Contains(rest.String(), "no event: ") {
		t.Errorf("the other process was not refused:\n%s", rest.String())
	}
	want := "warning: refused a Runtime API connection to function Probe from 127.0.0.1:"
	if !strings.Contains(logs.String(), want) || !strings.Contains(logs.String(), "uid "+strconv.Itoa(os.Getuid())) {
		t.Errorf("log lacks the refusal with peer address and uid:\n%s", logs.String())
	}
}

// runtimeAPIOf reads AWS_LAMBDA_RUNTIME_API from the environment of process pid.
func runtimeAPIOf(t *testing.T, pid int) string {
	t.Helper()
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range bytes.Split(env, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("AWS_LAMBDA_RUNTIME_API=")); ok {
			return string(v)
		}
	}
	t.Fatalf("process %d has no AWS_LAMBDA_RUNTIME_API", pid)
	return ""
}
