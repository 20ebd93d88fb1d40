package main

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSendersReuseTheLastIdle: sends one after another run on one sender,
// not round the whole set, and a send past the limit is refused while every
// sender is busy.
func TestSendersReuseTheLastIdle(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	s := newSenders(2, func(time.Time) { done <- struct{}{} })
	for range 50 {
		if !s.offer(time.Now()) {
			t.Fatal("offer refused with every sender idle")
		}
		<-done
		// The sender puts itself back after its send returns; wait for it
		// so the next offer finds it idle.
		testutil.CheckFor(t, 10*time.Second, time.Millisecond, func() error {
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.idle) == 0 {
				return errors.New("the sender is not back yet")
			}
			return nil
		})
	}
	s.mu.Lock()
	started := len(s.all)
	s.mu.Unlock()
	if started != 1 {
		t.Errorf("50 sends one after another started %d senders, want 1", started)
	}

	release := make(chan struct{})
	var once sync.Once
	busy := newSenders(2, func(time.Time) { <-release })
	defer once.Do(func() { close(release) })
	if !busy.offer(time.Now()) || !busy.offer(time.Now()) {
		t.Fatal("offer refused below the limit")
	}
	if busy.offer(time.Now()) {
		t.Error("a third offer with both senders busy was taken, want refused")
	}
	once.Do(func() { close(release) })
	busy.wait()
	s.wait()
}

// TestMedianOfNoRounds: `load -get-rounds 0` measures no Get or echo
// round, and the run must still finish (it panicked on an empty median).
func TestMedianOfNoRounds(t *testing.T) {
	if got := median(nil); got != 0 {
		t.Errorf("median(nil) = %v, want 0", got)
	}
	if got, want := median([]float64{3, 1, 2}), 2.0; got != want {
		t.Errorf("median(3, 1, 2) = %v, want %v", got, want)
	}
}

// TestKeyBucketsCountAsBatched: every key bucket the key pool fills (the
// shared one of before and each owner's, ADR 0238) is written in atomic
// batches, so `make load` must not count it among the writes synced one at
// a time, nor name it the stream that bounds the create rate (it did, for
// KV_data_keys_participants, after the buckets were split).
func TestKeyBucketsCountAsBatched(t *testing.T) {
	for _, s := range []string{"KV_data_keys", "KV_data_keys_participants", "KV_data_keys_volunteers"} {
		if !batched(s) {
			t.Errorf("%s is not counted as written in atomic batches", s)
		}
	}
	for _, s := range []string{"KV_participants", "PARTICIPANTS", "KV_data", "KV_participants_requests"} {
		if batched(s) {
			t.Errorf("%s is counted as written in atomic batches", s)
		}
	}
}
