package testutil

import (
	"bytes"
	"sync"
)

// LogBuffer is a log sink that handlers, feeds and watchers may write to
// from their own goroutines while a test reads it: a bytes.Buffer alone
// is a data race under -race. Use it as slog.NewTextHandler(&buf, nil).
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
