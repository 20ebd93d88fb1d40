package removedkv_test

import (
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/removedkv"
)

// TestRemembersOnlyWhatItWasToldAndNothingReadable: a removal noted on
// one replica is seen on another opened with the same secret, for the
// same user, action and id only, and for For; the bucket's key names
// none of the three; and with NATS gone Note and Seen answer at once
// ("not remembered") instead of failing the removal (ADR 0255).
func TestRemembersOnlyWhatItWasToldAndNothingReadable(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	secret := []byte("the gateway's signing key's seed, 32 bytes long....")
	a, err := removedkv.Open(ctx, n.JS, 1, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, js := n.Connect(t)
	b, err := removedkv.Open(ctx, js, 1, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	const user, id = "0190f2f4-aaaa-7000-8000-000000000001", "0190f2f4-bbbb-7000-8000-000000000002"
	at := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	a.Note(ctx, user, "participants/erase", id, at)
	for _, tc := range []struct {
		name, user, action, id string
		now                    time.Time
		want                   bool
	}{
		{"the same", user, "participants/erase", id, at.Add(time.Minute), true},
		{"at its end", user, "participants/erase", id, at.Add(removedkv.For), true},
		{"after it", user, "participants/erase", id, at.Add(removedkv.For + time.Second), false},
		{"another user", "0190f2f4-aaaa-7000-8000-000000000009", "participants/erase", id, at, false},
		{"another action", user, "participants/delete", id, at, false},
		{"another id", user, "participants/erase", "0190f2f4-bbbb-7000-8000-000000000003", at, false},
	} {
		if got := b.Seen(ctx, tc.user, tc.action, tc.id, tc.now); got != tc.want {
			t.Errorf("%s: seen %t, want %t", tc.name, got, tc.want)
		}
	}
	key := a.Key(user, "participants/erase", id)
	for _, part := range []string{user, id, "erase", "participants", "aaaa", "bbbb"} {
		if strings.Contains(key, part) {
			t.Errorf("the key %q holds %q", key, part)
		}
	}
	other, err := removedkv.Open(ctx, n.JS, 1, []byte("another secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if other.Key(user, "participants/erase", id) == key {
		t.Error("the key is the same under another secret: it could be tried against guessed ids")
	}

	n.Stop()
	a.Note(ctx, user, "volunteers/erase", id, at) // logged, no panic, no error to the removal
	if b.Seen(ctx, user, "participants/erase", id, at) {
		t.Error("seen with NATS gone")
	}
}
