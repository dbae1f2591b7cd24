package runtime

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/invoke"
)

// pool holds the processes of one function. slots bounds how many exist; idle holds those
// waiting for work. A request waits for a free process rather than failing when all are busy,
// and its Result says how long (Queued). The cloud does not queue: a function without reserved
// concurrency scales out to the account's ("Lambda quotas": Concurrent executions, default quota
// 1,000 per Region), and one at its reserved concurrency is throttled (API Gateway answers 500).
type pool struct {
	fn    *assembly.Function
	env   map[string]string // the template environment with Config.Environment applied
	limit int
	logs  *lineWriter
	idle  chan *instance
	slots chan struct{}

	mu     sync.Mutex
	binary string
	gen    int // bumped by setBinary; older processes are retired
	all    map[*instance]bool
}

type invocation struct {
	id      string
	arn     string
	payload []byte
	done    chan outcome // buffered: the Runtime API handler never blocks on it
}

type outcome struct {
	payload []byte
	err     error
}

func (p *pool) invoke(ctx context.Context, c invoke.Call) (*invoke.Result, error) {
	if p.limit == 0 {
		return nil, &ThrottledError{Function: p.fn.ID}
	}
	arn := p.fn.ARN
	if c.Qualifier != "" {
		arn += ":" + c.Qualifier
	}
	start := time.Now()
	res := &invoke.Result{}
	// An idle process may have exited (after a panic, say) before it took the event; such an
	// event was never delivered, so another process may take it.
	for attempt := 0; ; attempt++ {
		inst, cold, queued, err := p.acquire(ctx)
		res.Cold, res.Queued = cold, res.Queued+queued
		if err != nil {
			if cold {
				return res, err // its process failed to start
			}
			return nil, err
		}
		inv := &invocation{id: NewRequestID(), arn: arn, payload: c.Payload, done: make(chan outcome, 1)}
		retry, err := p.handOver(ctx, inst, inv, cold)
		if retry && attempt < 3 {
			continue
		}
		if err == nil {
			res.Payload, err = p.await(ctx, inst, inv)
		}
		if err != nil {
			return res, err
		}
		res.RequestID, res.Duration = inv.id, time.Since(start)
		return res, nil
	}
}

// handOver gives inv to inst's next GET /next. retry is set when a warm process died before
// taking the event, which another process may then take.
func (p *pool) handOver(ctx context.Context, inst *instance, inv *invocation, cold bool) (retry bool, err error) {
	initTimer := time.NewTimer(InitTimeout)
	defer initTimer.Stop()
	select {
	case inst.work <- inv:
		return false, nil
	case <-inst.exited:
		p.discard(inst)
		inst.mu.Lock()
		initErr := inst.initErr
		inst.mu.Unlock()
		switch {
		case !cold:
			return true, &CrashError{Function: p.fn.ID, Exit: "before taking the event: " + inst.exitState}
		case initErr != nil:
			return false, initErr
		}
		return false, &CrashError{Function: p.fn.ID, Exit: "during init: " + inst.exitState}
	case <-initTimer.C:
		p.discard(inst)
		return false, &TimeoutError{Function: p.fn.ID, Timeout: InitTimeout}
	case <-ctx.Done():
		p.release(inst)
		return false, ctx.Err()
	}
}

// await waits for inv's outcome, enforcing the function's timeout.
func (p *pool) await(ctx context.Context, inst *instance, inv *invocation) ([]byte, error) {
	timer := time.NewTimer(p.fn.Timeout)
	defer timer.Stop()
	select {
	case out := <-inv.done:
		p.release(inst)
		return out.payload, out.err
	case <-inst.exited:
		p.discard(inst)
		// A panicking handler reports its error and then exits; the report wins.
		select {
		case out := <-inv.done:
			return out.payload, out.err
		default:
			return nil, &CrashError{Function: p.fn.ID, Exit: inst.exitState}
		}
	case <-timer.C:
		p.discard(inst)
		return nil, &TimeoutError{Function: p.fn.ID, Timeout: p.fn.Timeout}
	case <-ctx.Done():
		// The caller left; the process finishes (or times out) before it takes new work.
		go p.await(context.Background(), inst, inv) //nolint:errcheck // nobody waits for it now
		return nil, ctx.Err()
	}
}

// acquire gives the call an idle process, else a new one while the pool is below its limit, else
// the first of either to come free. cold is set when it started a process (even one that failed to
// start); queued is how long the call waited because none was free.
func (p *pool) acquire(ctx context.Context) (inst *instance, cold bool, queued time.Duration, err error) {
	inst, cold, ok, err := p.tryAcquire()
	if ok {
		return inst, cold, 0, err
	}
	waitStart := time.Now()
	for {
		select {
		case inst := <-p.idle:
			if p.usable(inst) {
				return inst, false, time.Since(waitStart), nil
			}
		case p.slots <- struct{}{}:
			inst, err := p.start()
			return inst, true, time.Since(waitStart), err
		case <-ctx.Done():
			return nil, false, time.Since(waitStart), ctx.Err()
		}
	}
}

// tryAcquire is acquire without waiting: ok is false when every process is busy at the limit.
func (p *pool) tryAcquire() (inst *instance, cold, ok bool, err error) {
	for {
		select {
		case inst := <-p.idle:
			if p.usable(inst) {
				return inst, false, true, nil
			}
			continue
		default:
		}
		select {
		case p.slots <- struct{}{}:
			inst, err := p.start()
			return inst, true, true, err
		default:
			return nil, false, false, nil
		}
	}
}

// start spawns a process in the slot the caller took, and frees the slot if it cannot.
func (p *pool) start() (*instance, error) {
	inst, err := p.spawn()
	if err != nil {
		<-p.slots
		return nil, fmt.Errorf("function %s: start process: %w", p.fn.ID, err)
	}
	return inst, nil
}

// usable discards inst when it exited or runs a retired binary.
func (p *pool) usable(inst *instance) bool {
	p.mu.Lock()
	current := inst.gen == p.gen
	p.mu.Unlock()
	select {
	case <-inst.exited:
		current = false
	default:
	}
	if !current {
		p.discard(inst)
	}
	return current
}

func (p *pool) release(inst *instance) {
	if p.usable(inst) {
		p.idle <- inst // never blocks: idle has room for every slot
	}
}

// discard kills inst and frees its slot, once.
func (p *pool) discard(inst *instance) {
	inst.stopOnce.Do(func() {
		inst.kill()
		<-p.slots
	})
}

func (p *pool) setBinary(bin string) {
	p.mu.Lock()
	p.binary = bin
	p.gen++
	p.mu.Unlock()
	for {
		select {
		case inst := <-p.idle:
			p.discard(inst)
		default:
			return
		}
	}
}

func (p *pool) close() {
	p.mu.Lock()
	all := make([]*instance, 0, len(p.all))
	for inst := range p.all {
		all = append(all, inst)
	}
	p.mu.Unlock()
	for _, inst := range all {
		inst.kill()
	}
	for _, inst := range all {
		select {
		case <-inst.exited:
		case <-time.After(5 * time.Second):
		}
	}
}
