package kvwatch

import (
	"sync"
	"time"
)

// TestHooks make a watch on one bucket meet, in a test, what a consumer
// on a replica that cannot catch up meets: deliveries that never come,
// and the first pass's fallback sooner than in 15 s (ADR 0255). Never
// set outside tests.
type TestHooks struct {
	// StuckWait replaces the 15 s after which a first pass whose next
	// message is never delivered ends anyway.
	StuckWait time.Duration
	// Drop, when it returns true, drops the entry of that revision as if
	// the consumer never delivered it.
	Drop func(rev uint64) bool
}

var (
	testHooksMu sync.Mutex
	testHooks   map[string]*TestHooks
)

// SetTestHooks sets h for the watches made after it on bucket, until the
// returned function removes them. Buckets are the test's own, so tests
// running in parallel on other buckets are not touched.
func SetTestHooks(bucket string, h TestHooks) (remove func()) {
	testHooksMu.Lock()
	defer testHooksMu.Unlock()
	if testHooks == nil {
		testHooks = map[string]*TestHooks{}
	}
	testHooks[bucket] = &h
	return func() {
		testHooksMu.Lock()
		defer testHooksMu.Unlock()
		delete(testHooks, bucket)
	}
}

// testHooksFor is bucket's hooks, nil when none (always outside tests).
func testHooksFor(bucket string) *TestHooks {
	testHooksMu.Lock()
	defer testHooksMu.Unlock()
	return testHooks[bucket]
}
