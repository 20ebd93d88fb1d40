package audit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// setupLike is an entry RecordOnce writes: its own id and time.
func setupLike(user string, at time.Time) *gatewayv1.AuditEntry {
	return &gatewayv1.AuditEntry{Id: ids.UUIDv7{}.New(), Time: timestamppb.New(at), UserId: user, Role: "ROLE_ADMIN",
		Action: "create", ResourceType: "user", ResourceId: user, Outcome: "ok", Channel: "setup"}
}

func isSetupOf(user string) func(*gatewayv1.AuditEntry) bool {
	return func(e *gatewayv1.AuditEntry) bool { return e.GetChannel() == "setup" && e.GetResourceId() == user }
}

// TestRecordOnce: an entry a second writer finds on its subject is not
// written again, whatever its id (a gateway before ADR 0229 gave the
// setup's entry a random one); one written at once with the same id is
// stored once (the stream's Nats-Msg-Id); the entry keeps the time it
// was given (the account's making, not the write's) and passes the id
// rule; one without an id or a time is refused, not given the write's.
func TestRecordOnce(t *testing.T) {
	t.Parallel()
	l, ctx := openLog(t)
	admin, other := issued("admin"), issued("other")
	made := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	// Other entries on the subject: the users the admin made.
	for range 3 {
		if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: admin, Action: "create", ResourceType: "user", ResourceId: other, Outcome: "ok", Channel: "web"}); err != nil {
			t.Fatal(err)
		}
	}
	first := setupLike(admin, made)
	first.ResourceIds = []string{"19850101-1234"}
	for i, e := range []*gatewayv1.AuditEntry{first, first, setupLike(admin, made.Add(time.Hour))} {
		wrote, err := l.RecordOnce(ctx, e, isSetupOf(admin))
		if err != nil || wrote != (i == 0) {
			t.Errorf("write %d: wrote %v, %v; want %v", i, wrote, err, i == 0)
		}
	}
	// Two at once with one id: both may find none; the stream keeps one.
	e := setupLike(other, made)
	for range 2 {
		if err := l.publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.RecordOnce(ctx, &gatewayv1.AuditEntry{UserId: admin, Channel: "setup"}, isSetupOf(admin)); err == nil {
		t.Error("an entry with no id and time was written")
	}
	es, _, err := l.Search(ctx, Query{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var setups []string
	for _, e := range es {
		if e.GetChannel() == "setup" {
			setups = append(setups, fmt.Sprintf("%s %s %v", label(e.GetResourceId()), e.GetTime().AsTime().Format(time.TimeOnly), e.GetResourceIds()))
		}
	}
	if want := []string{"admin 09:00:00 [(invalid)]", "other 09:00:00 []"}; fmt.Sprint(setups) != fmt.Sprint(want) {
		t.Errorf("setup entries %v, want %v", setups, want)
	}
}

// BenchmarkRecordOnce times the setup entry's check and write (ADR 0229)
// on embedded NATS with its file store, in a log of 10,000 other
// entries: the form's (an admin with no entry yet: the check reads an
// empty subject, then writes), beside Record alone; and a gateway's start
// after it (the entry found) for an admin who has made 0, 100 and 1,000
// users since (their entries are on the subject it reads). Seeding is not
// timed.
func BenchmarkRecordOnce(b *testing.B) {
	n := testutil.MustNATS(b)
	ctx := context.Background()
	l, err := Open(ctx, n.JS, 1, time.Now, ids.UUIDv7{})
	if err != nil {
		b.Fatal(err)
	}
	for range benchEntries {
		if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: issued("anyone"), Action: "read", ResourceType: "participant", Outcome: "ok"}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("form", func(b *testing.B) {
		for b.Loop() {
			admin := ids.UUIDv7{}.New()
			if _, err := l.RecordOnce(ctx, setupLike(admin, time.Now()), isSetupOf(admin)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("record", func(b *testing.B) {
		for b.Loop() {
			if err := l.Record(ctx, setupLike(ids.UUIDv7{}.New(), time.Now())); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, made := range []int{0, 100, 1000} {
		admin := ids.UUIDv7{}.New()
		if _, err := l.RecordOnce(ctx, setupLike(admin, time.Now()), isSetupOf(admin)); err != nil {
			b.Fatal(err)
		}
		for range made {
			if err := l.Record(ctx, &gatewayv1.AuditEntry{UserId: admin, Action: "create", ResourceType: "user", ResourceId: ids.UUIDv7{}.New(), Outcome: "ok"}); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("start-found-after-%d", made), func(b *testing.B) {
			for b.Loop() {
				if wrote, err := l.RecordOnce(ctx, setupLike(admin, time.Now()), isSetupOf(admin)); err != nil || wrote {
					b.Fatal(wrote, err)
				}
			}
		})
	}
}
