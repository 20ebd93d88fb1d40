package notice_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestMailboxNewestFirst: the development mailbox lists the newest
// message first, across pages, whatever the messages' ids (they are
// hashes, and the store's id order read as random: the outside round of
// session 20); a page token of another list is refused.
func TestMailboxNewestFirst(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	// Ids ascending, times descending from the last: id order is oldest
	// first, the opposite of what the page must show.
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var sorted []string
	for range 5 {
		sorted = append(sorted, ids.UUIDv7{}.New())
	}
	slices.Sort(sorted)
	var want []string
	for k, id := range sorted {
		m := &pb.StoredMessage{Id: id, PersonId: ids.UUIDv7{}.New(), Channel: pb.Channel_CHANNEL_MAILBOX, Rendered: true,
			Status: pb.DeliveryStatus_DELIVERY_STATUS_SENT, Subject: "nr", CreateTime: timestamppb.New(base.Add(time.Duration(k) * time.Hour))}
		if _, err := e.msgs.Create(ctx, id, m); err != nil {
			t.Fatal(err)
		}
		want = append([]string{id}, want...)
	}
	var got []string
	tok := ""
	for range 5 {
		page, next, err := e.svc.ListMailbox(admin, notice.MailboxFilter{PageSize: 2, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			got = append(got, m.GetId())
		}
		if tok = next; tok == "" {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages over the pages, want %d", len(got), len(want))
	}
	for k := range want {
		if got[k] != want[k] {
			t.Fatalf("order %v, want newest first %v", got, want)
		}
	}
	if _, _, err := e.svc.ListMailbox(admin, notice.MailboxFilter{PageToken: "djE6bm90LWEta2V5"}); err == nil {
		t.Error("a token that names no mailbox position was accepted")
	}
}
