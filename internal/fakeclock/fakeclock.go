// Package fakeclock provides the clock of tests: it moves only when the test calls Advance,
// which runs the timers that fall due, in order, on the calling goroutine, with Now at each
// one's due time. Production code takes it through its own small seam (a Now func, a Clock
// interface with AfterFunc), so that a test of a timeout or an interval waits for no real time.
package fakeclock

import (
	"fmt"
	"sync"
	"time"
)

// Clock is a fake clock. Make one with New; it is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*Timer
}

// New returns a Clock that reads start until advanced.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc is time.AfterFunc on this clock: Advance calls f once d has passed, unless the
// Timer is stopped first.
func (c *Clock) AfterFunc(d time.Duration, f func()) *Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &Timer{clock: c, f: f, due: c.now.Add(d), active: true}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves the clock d on, running each timer that falls due on the way, in order. A
// timer that a callback (re)arms within d runs too; one that keeps re-arming itself without
// moving time on is a bug, which Advance reports with a panic rather than spin.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for fired := 0; ; fired++ {
		if fired == 10_000 {
			panic(fmt.Sprintf("fakeclock: Advance(%s) ran timers 10000 times; one re-arms itself without delay", d))
		}
		c.mu.Lock()
		var next *Timer
		for _, t := range c.timers {
			if t.active && !t.due.After(end) && (next == nil || t.due.Before(next.due)) {
				next = t
			}
		}
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		c.now, next.active = next.due, false
		c.mu.Unlock()
		next.f()
	}
}

// Timer is a timer of a Clock, with the methods of *time.Timer that AfterFunc callers use.
type Timer struct {
	clock  *Clock
	f      func()
	due    time.Time // guarded by clock.mu, as active is
	active bool
}

// Stop keeps the timer from running; it reports whether the timer was active.
func (t *Timer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

// Reset makes the timer run d after the clock's now; it reports whether the timer was active.
func (t *Timer) Reset(d time.Duration) bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := t.active
	t.active, t.due = true, t.clock.now.Add(d)
	return was
}
