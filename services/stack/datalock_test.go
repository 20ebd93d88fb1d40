package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSecondStackOnOneDataDirIsRefused: a second make run on the same
// ./data with other ports (as the README says to run beside another
// stack) started, and its embedded NATS wrote the first one's JetStream
// files: a newcomer registered through the first was gone after a
// restart (2,047 messages, then 2,046) and the first one's Ctrl-C hung in
// the file store (found from outside, ADR 0223). The second is refused
// before it starts anything, naming the directory and what to do, also
// when its ports are the first one's (the data, not a port, is the
// problem); once the first has stopped, the directory starts again.
func TestSecondStackOnOneDataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	_, _, stop := startStack(t, testConfig(t, dir))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	second := testConfig(t, dir)
	out := &testutil.LogBuffer{}
	err := run(ctx, second, out, nil)
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "MP_DATA_DIR") || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a second stack on %s: %v, want a refusal naming the directory and MP_DATA_DIR", dir, err)
	}
	if strings.Contains(out.String(), "Mötesplats is up") {
		t.Errorf("the second stack started:\n%s", out.String())
	}

	stop()
	_, again, _ := startStack(t, testConfig(t, dir))
	if !strings.Contains(again.String(), "Mötesplats is up") {
		t.Errorf("the directory after the first stack stopped: %s", again.String())
	}
}
