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
// waiting for work. A request waits for a free process rather than failing when all are busy.
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
	// An idle process may have exited (after a panic, say) before it took the event; such an
	// event was never delivered, so another process may take it.
	for attempt := 0; ; attempt++ {
		inst, cold, err := p.acquire(ctx)
		if err != nil {
			return nil, err
		}
		inv := &invocation{id: NewRequestID(), arn: arn, payload: c.Payload, done: make(chan outcome, 1)}
		delivered, err := p.handOver(ctx, inst, inv, cold)
		if !delivered {
			if err == nil && attempt < 3 {
				continue
			}
			return nil, err
		}
		out, err := p.await(ctx, inst, inv)
		if err != nil {
			return nil, err
		}
		return &invoke.Result{Payload: out, RequestID: inv.id, Cold: cold, Duration: time.Since(start)}, nil
	}
}

// handOver gives inv to inst's next GET /next. It returns delivered=false with a nil error
// when a warm process died before taking the event.
func (p *pool) handOver(ctx context.Context, inst *instance, inv *invocation, cold bool) (bool, error) {
	initTimer := time.NewTimer(InitTimeout)
	defer initTimer.Stop()
	select {
	case inst.work <- inv:
		return true, nil
	case <-inst.exited:
		p.discard(inst)
		if !cold {
			return false, nil
		}
		inst.mu.Lock()
		initErr := inst.initErr
		inst.mu.Unlock()
		if initErr != nil {
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

func (p *pool) acquire(ctx context.Context) (*instance, bool, error) {
	for {
		select {
		case inst := <-p.idle:
			if p.usable(inst) {
				return inst, false, nil
			}
			continue
		default:
		}
		select {
		case inst := <-p.idle:
			if p.usable(inst) {
				return inst, false, nil
			}
		case p.slots <- struct{}{}:
			inst, err := p.spawn()
			if err != nil {
				<-p.slots
				return nil, false, fmt.Errorf("function %s: start process: %w", p.fn.ID, err)
			}
			return inst, true, nil
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
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
