package fakeclock

import (
	"slices"
	"testing"
	"time"
)

func TestAdvanceRunsDueTimersInOrderAtTheirTime(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := New(start)
	var ran []string
	at := func(name string) func() {
		return func() { ran = append(ran, name+"@"+c.Now().Sub(start).String()) }
	}
	c.AfterFunc(3*time.Second, at("c"))
	c.AfterFunc(time.Second, at("a"))
	stopped := c.AfterFunc(2*time.Second, at("stopped"))
	var rearm *Timer
	rearm = c.AfterFunc(2*time.Second, func() {
		at("b")()
		if len(ran) < 4 {
			rearm.Reset(time.Second) // within the same Advance
		}
	})
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop reports true for an active timer, then false")
	}

	c.Advance(3*time.Second - time.Nanosecond)
	if want := []string{"a@1s", "b@2s"}; !slices.Equal(ran, want) {
		t.Errorf("before 3s ran %v, want %v", ran, want)
	}
	c.Advance(10 * time.Second)
	if want := []string{"a@1s", "b@2s", "c@3s", "b@3s"}; !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	if got := c.Now().Sub(start); got != 13*time.Second-time.Nanosecond {
		t.Errorf("Now is start+%s, want start+13s-1ns", got)
	}
}

func TestAdvanceReportsATimerThatNeverLetsTimeMove(t *testing.T) {
	c := New(time.Time{})
	var spin *Timer
	spin = c.AfterFunc(time.Second, func() { spin.Reset(0) })
	defer func() {
		if recover() == nil {
			t.Error("Advance returned; want a panic naming the spinning timer")
		}
	}()
	c.Advance(time.Minute)
}
