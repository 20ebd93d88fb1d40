package cache_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRedisClientLogsThroughSlog: with Redis down, the client's own
// "failed to dial" lines arrive as the process's JSON lines at WARN, not
// as plain text on stderr. Not parallel: it swaps slog's default.
func TestRedisClientLogsThroughSlog(t *testing.T) {
	var out testutil.LogBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&out, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	rc, err := cache.NewRedisClient(fmt.Sprintf("redis://127.0.0.1:%d?dial_timeout=200ms&max_retries=0", testutil.FreePort(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	if err := rc.Ping(testutil.Context(t)).Err(); err == nil {
		t.Fatal("a ping to a closed port succeeded")
	}
	var lines int
	for line := range strings.Lines(out.String()) {
		var rec struct{ Level, Msg, Detail string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		if rec.Msg == "cache: redis client" && rec.Level == "WARN" && strings.Contains(rec.Detail, "dial") {
			lines++
		}
	}
	if lines == 0 {
		t.Fatalf("no WARN line from the client about its failed dial; the log held %q", out.String())
	}
}
