package server_test

import (
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestMailboxPageReadsEachNameOnce: the mailbox page mp lists named each
// recipient one at a time, a mentor after a look-up as a newcomer that
// found no one, so a page of 200 messages to 200 people made 600 cache
// look-ups and 400 misses with every name already cached (ADR 0211 left
// it unmeasured; BenchmarkMailboxPage, ADR 0218). Three pairs' offers,
// six people: with the names cached, a page makes one look-up per person
// and no miss, and still names all six.
func TestMailboxPageReadsEachNameOnce(t *testing.T) {
	t.Parallel()
	e, rc, _ := startWithRedis(t, envOptions{notify: true})
	admin := mailboxOfPairs(t, e, 3)
	ctx := testutil.Context(t)
	page := func() int {
		res, err := admin.messages.ListMailbox(ctx, connect.NewRequest(&gatewayv1.ListMailboxRequest{PageSize: 6}))
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Msg.GetRecipientNames())
	}
	page() // the names into the cache
	h0, m0 := keyspace(t, rc)
	named := page()
	h1, m1 := keyspace(t, rc)
	if named != 6 || h1-h0 != 6 || m1-m0 != 0 {
		t.Errorf("a page of 6 people: %d named, %d cache look-ups found and %d missed; want 6, 6 and 0", named, h1-h0, m1-m0)
	}
}
