package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/portico-dev/portico/local/assembly"
)

// instance is one function process and the Runtime API listener only it may talk to (see
// ownListener), so every request on that listener comes from this process.
type instance struct {
	pool *pool
	gen  int
	cmd  *exec.Cmd
	srv  *http.Server
	work chan *invocation

	exited    chan struct{} // closed when the process has exited
	exitState string        // set before exited is closed

	mu       sync.Mutex
	initErr  *FunctionError
	current  *invocation
	stopOnce sync.Once
}

const apiPrefix = "/2018-06-01/runtime/"

func (p *pool) spawn() (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	bin, gen := p.binary, p.gen
	p.mu.Unlock()
	inst := &instance{pool: p, gen: gen, work: make(chan *invocation), exited: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"invocation/next", inst.next)
	mux.HandleFunc("POST "+apiPrefix+"invocation/{id}/response", inst.response)
	mux.HandleFunc("POST "+apiPrefix+"invocation/{id}/error", inst.error)
	mux.HandleFunc("POST "+apiPrefix+"init/error", inst.initError)
	inst.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	fn := p.fn
	cmd := exec.Command(bin)
	cmd.Dir = filepath.Dir(bin)
	for k, v := range p.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// Lambda's reserved variables win over the function's own, as in the cloud.
	cmd.Env = append(cmd.Env,
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_REGION="+regionOf(fn.ARN), "AWS_DEFAULT_REGION="+regionOf(fn.ARN),
		"AWS_LAMBDA_FUNCTION_NAME="+fn.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+fn.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME="+time.Now().UTC().Format("2006/01/02")+"/[$LATEST]"+NewRequestID()[:8],
		"LAMBDA_TASK_ROOT="+cmd.Dir,
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"TZ=UTC", "LANG=en_US.UTF-8",
	)
	out := p.logs.prefixed(fn.Name)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = time.Second
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		ln.Close()
		return nil, err
	}
	inst.cmd = cmd
	// Served once the process exists, so that only it is let in; it may connect before (the
	// listener queues the connection).
	go inst.srv.Serve(&ownListener{Listener: ln, pid: cmd.Process.Pid, function: fn.Name, logs: p.logs}) //nolint:errcheck // ends with ErrServerClosed when the process exits
	p.mu.Lock()
	if p.all == nil {
		p.all = map[*instance]bool{}
	}
	p.all[inst] = true
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		inst.exitState = cmd.ProcessState.String()
		if err != nil && cmd.ProcessState == nil {
			inst.exitState = err.Error()
		}
		p.mu.Lock()
		delete(p.all, inst)
		p.mu.Unlock()
		close(inst.exited)
		inst.srv.Close()
	}()
	return inst, nil
}

// regionOf reads the region of arn:aws:lambda:{region}:{account}:function:{name}.
func regionOf(arn string) string {
	if parts := strings.Split(arn, ":"); len(parts) > 3 && parts[3] != "" {
		return parts[3]
	}
	return assembly.DefaultRegion
}

func (inst *instance) kill() {
	if inst.cmd != nil && inst.cmd.Process != nil {
		killProcess(inst.cmd)
	}
}

// next blocks until an invocation arrives (the long poll of every Lambda runtime).
func (inst *instance) next(w http.ResponseWriter, r *http.Request) {
	select {
	case inv := <-inst.work:
		inst.mu.Lock()
		inst.current = inv
		inst.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(inst.pool.fn.Timeout).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.arn)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-"+inv.id[:8]+";Sampled=0")
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	}
}

// take returns the current invocation if id names it, and clears it.
func (inst *instance) take(id string) *invocation {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	inv := inst.current
	if inv == nil || inv.id != id {
		return nil
	}
	inst.current = nil
	return inv
}

func (inst *instance) response(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	inv := inst.take(r.PathValue("id"))
	switch {
	case inv == nil:
		runtimeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "no invocation "+r.PathValue("id")+" is in progress")
		return
	case err != nil:
		inv.done <- outcome{err: &CrashError{Function: inst.pool.fn.ID, Exit: "reading response: " + err.Error()}}
	case len(body) > MaxPayload:
		inv.done <- outcome{err: &FunctionError{Function: inst.pool.fn.ID, Type: "Function.ResponseSizeTooLarge", Message: fmt.Sprintf("response exceeds %d bytes", MaxPayload)}}
		runtimeAPIError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response too large")
		return
	default:
		inv.done <- outcome{payload: body}
	}
	accepted(w)
}

func (inst *instance) readError(r *http.Request) *FunctionError {
	var body struct{ ErrorMessage, ErrorType string }
	raw, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	if err := json.Unmarshal(raw, &body); err != nil {
		body.ErrorMessage = string(raw)
	}
	if body.ErrorType == "" {
		body.ErrorType = r.Header.Get("Lambda-Runtime-Function-Error-Type")
	}
	return &FunctionError{Function: inst.pool.fn.ID, Type: body.ErrorType, Message: body.ErrorMessage}
}

func (inst *instance) error(w http.ResponseWriter, r *http.Request) {
	inv := inst.take(r.PathValue("id"))
	if inv == nil {
		runtimeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "no invocation "+r.PathValue("id")+" is in progress")
		return
	}
	inv.done <- outcome{err: inst.readError(r)}
	accepted(w)
}

func (inst *instance) initError(w http.ResponseWriter, r *http.Request) {
	err := inst.readError(r)
	inst.mu.Lock()
	inst.initErr = err
	inst.mu.Unlock()
	accepted(w)
}

// accepted is the Runtime API's answer to a response or error the process posted.
func accepted(w http.ResponseWriter) {
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func runtimeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}
