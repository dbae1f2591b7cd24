// Package runtime runs Lambda functions locally as real processes: each process gets its own
// loopback listener serving the Lambda Runtime API, and each function a pool of warm processes
// up to its concurrency limit. Timeouts kill and replace the process; crashes are reported as
// typed errors so the gateway can answer as API Gateway does.
package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"sync"
	"time"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/invoke"
)

// MaxPayload is Lambda's synchronous invoke limit, each way.
const MaxPayload = 6 * 1024 * 1024

// InitTimeout bounds how long a new process may take to ask for its first event.
const InitTimeout = 10 * time.Second

// Config configures a Manager.
type Config struct {
	Functions []*assembly.Function
	// Binaries maps a function ID to the executable to run (see Builder).
	Binaries map[string]string
	// Concurrency caps the processes of a function without reserved concurrency.
	// Default: 10.
	Concurrency int
	// Logs receives every function's stdout and stderr, each line prefixed with its name.
	// Default: io.Discard.
	Logs io.Writer
	// Environment overrides variables of the functions' template environment, by function ID,
	// e.g. to point them at local endpoints. Default: none.
	Environment map[string]map[string]string
}

// Manager invokes functions. It is safe for concurrent use.
type Manager struct {
	pools  map[string]*pool
	logs   *lineWriter
	mu     sync.Mutex
	closed bool
}

// New prepares pools; processes start on first use.
func New(cfg Config) (*Manager, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 10
	}
	if cfg.Logs == nil {
		cfg.Logs = io.Discard
	}
	m := &Manager{pools: map[string]*pool{}, logs: &lineWriter{out: cfg.Logs}}
	for _, fn := range cfg.Functions {
		bin, ok := cfg.Binaries[fn.ID]
		if !ok {
			return nil, fmt.Errorf("function %s has no binary", fn.ID)
		}
		limit := cfg.Concurrency
		if fn.ReservedConcurrency != nil {
			limit = *fn.ReservedConcurrency
		}
		env := map[string]string{}
		maps.Copy(env, fn.Environment)
		maps.Copy(env, cfg.Environment[fn.ID])
		m.pools[fn.ID] = &pool{fn: fn, env: env, binary: bin, limit: limit, logs: m.logs, idle: make(chan *instance, max(limit, 1)), slots: make(chan struct{}, max(limit, 1))}
	}
	return m, nil
}

// Invoke runs c.Function (a Function.ID) with c.Payload; Manager is the invoke.Invoker of
// `portico serve`.
func (m *Manager) Invoke(ctx context.Context, c invoke.Call) (*invoke.Result, error) {
	m.mu.Lock()
	p, ok := m.pools[c.Function]
	closed := m.closed
	m.mu.Unlock()
	if !ok {
		return nil, &UnknownFunctionError{Function: c.Function}
	}
	if closed {
		return nil, errors.New("runtime is shut down")
	}
	if len(c.Payload) > MaxPayload {
		return nil, &PayloadTooLargeError{Function: c.Function, Size: len(c.Payload), Limit: MaxPayload}
	}
	return p.invoke(ctx, c)
}

// SetBinary makes new processes of function run bin and retires the idle ones (--watch).
func (m *Manager) SetBinary(function, bin string) {
	if p, ok := m.pools[function]; ok {
		p.setBinary(bin)
	}
}

// Close kills every process and waits for them to exit.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	for _, p := range m.pools {
		p.close()
	}
	return nil
}

// Processes lists the PIDs of running function processes (for tests and diagnostics).
func (m *Manager) Processes() []int {
	var pids []int
	for _, p := range m.pools {
		p.mu.Lock()
		for inst := range p.all {
			pids = append(pids, inst.cmd.Process.Pid)
		}
		p.mu.Unlock()
	}
	return pids
}

func NewRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Environment is the environment function's processes get from their template and
// Config.Environment (Lambda's reserved variables aside), or nil for an unknown function.
func (m *Manager) Environment(function string) map[string]string {
	if p, ok := m.pools[function]; ok {
		return maps.Clone(p.env)
	}
	return nil
}
