package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
)

var (
	admin    = auth.Claims{Subject: "admin", Role: auth.RoleAdmin}
	coordA   = auth.Claims{Subject: "a", Role: auth.RoleCoordinator, Organisation: "org-a", Municipalities: []string{"0180", "0380"}}
	coordB   = auth.Claims{Subject: "b", Role: auth.RoleCoordinator, Organisation: "org-b", Municipalities: []string{"0180"}}
	operator = auth.Claims{Subject: "op", Role: auth.RoleOperator}
)

func fields(err error) []string {
	var out []string
	for _, v := range apperr.Violations(err) {
		out = append(out, v.Field)
	}
	return out
}

// TestStartChecksInputAndScope: Start names every bad field, refuses
// callers outside the organisation and municipalities and operators,
// fills a coordinator's own scope, and is idempotent per caller and
// request id.
func TestStartChecksInputAndScope(t *testing.T) {
	t.Parallel()
	m := open(t, testutil.MustNATS(t), nil)
	ctx := testutil.Context(t)
	for _, tc := range []struct {
		name   string
		who    auth.Claims
		req    jobs.Request
		code   apperr.Code
		fields []string
	}{
		{"no request id", admin, jobs.Request{Organisation: "org-a", Municipalities: []string{"0180"}}, apperr.Invalid, []string{"request_id"}},
		{"bad everything", admin, jobs.Request{RequestID: "a b", Municipalities: []string{"9999", "0180", "0180"}}, apperr.Invalid,
			[]string{"request_id", "organisation_id", "municipality_codes[0]", "municipality_codes[2]"}},
		{"too many", admin, jobs.Request{RequestID: "r", Organisation: "o", Municipalities: slices.Repeat([]string{"0180"}, 65)}, apperr.Invalid,
			[]string{"municipality_codes"}},
		{"other organisation", coordB, jobs.Request{RequestID: "r", Organisation: "org-a", Municipalities: []string{"0180"}}, apperr.PermissionDenied, nil},
		{"other municipality", coordA, jobs.Request{RequestID: "r", Municipalities: []string{"1480"}}, apperr.PermissionDenied, nil},
		{"operator", operator, jobs.Request{RequestID: "r", Organisation: "org-a", Municipalities: []string{"0180"}}, apperr.PermissionDenied, nil},
	} {
		_, err := m.Start(ctx, tc.who, tc.req)
		if got := apperr.ErrorCode(err); got != tc.code || !slices.Equal(fields(err), tc.fields) {
			t.Errorf("%s: code %v fields %v, want %v %v", tc.name, got, fields(err), tc.code, tc.fields)
		}
	}
	j, err := m.Start(ctx, coordA, jobs.Request{RequestID: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if j.Organisation != "org-a" || !slices.Equal(j.Municipalities, []string{"0180", "0380"}) || j.State != jobs.Queued {
		t.Fatalf("coordinator's job %+v; want org-a in 0180 and 0380, queued", j)
	}
	again, err := m.Start(ctx, coordA, jobs.Request{RequestID: "r1", Municipalities: []string{"0180"}})
	if err != nil || again.ID != j.ID {
		t.Fatalf("the same request id gave %v, %v; want job %s", again.ID, err, j.ID)
	}
	if _, err := m.GetAs(ctx, coordB, j.ID); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("another organisation's coordinator got the job: %v", err)
	}
	if _, err := m.GetAs(ctx, coordB, "not an id"); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("a bad id: %v, want Invalid", err)
	}
	if _, err := m.WatchAs(ctx, coordB, j.ID); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("another organisation's coordinator watched the job: %v", err)
	}
}

// TestPageWalksVisibleJobs: pages of two walk a caller's jobs newest
// first, each once, and never show another organisation's.
func TestPageWalksVisibleJobs(t *testing.T) {
	t.Parallel()
	m := open(t, testutil.MustNATS(t), nil)
	ctx := testutil.Context(t)
	var want []string
	for k := range 5 {
		j, err := m.Start(ctx, coordA, jobs.Request{RequestID: fmt.Sprintf("a%d", k)})
		if err != nil {
			t.Fatal(err)
		}
		want = append([]string{j.ID}, want...)
		if _, err := m.Start(ctx, coordB, jobs.Request{RequestID: fmt.Sprintf("b%d", k)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	tok := ""
	for range 10 {
		page, next, err := m.Page(coordA, 2, tok)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range page {
			got = append(got, j.ID)
		}
		if tok = next; tok == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages gave %v, want %v", got, want)
	}
	if _, _, err := m.Page(coordA, 501, "junk"); !slices.Equal(fields(err), []string{"page_size", "page_token"}) {
		t.Errorf("bad page arguments: %v", err)
	}
}

// TestRetentionRemovesOldJobs: a finished job older than Retention is
// removed with its data; a newer one stays.
func TestRetentionRemovesOldJobs(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	data, err := jobs.OpenObjectData(ctx, js, "retained_data", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	m, err := jobs.Open(ctx, js, jobs.Config{Name: "retained", AckWait: time.Second, Retention: 48 * time.Hour, Data: data, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	runIn(t, m, func(ctx context.Context, r *jobs.Run) error {
		_, err := data.Put(ctx, r.Job().ID, jobs.ResultKind, []byte("result"))
		return err
	})
	old, _ := m.Submit(ctx, "old", jobs.Job{})
	waitState(t, m, old.ID, jobs.Succeeded)
	mu.Lock()
	now = now.Add(24 * time.Hour)
	mu.Unlock()
	young, _ := m.Submit(ctx, "young", jobs.Job{})
	waitState(t, m, young.ID, jobs.Succeeded)
	mu.Lock()
	now = now.Add(25 * time.Hour)
	mu.Unlock()
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if _, err := m.Get(ctx, old.ID); apperr.ErrorCode(err) != apperr.NotFound {
			return fmt.Errorf("old job: %v, want it removed", err)
		}
		if _, err := data.Get(ctx, old.ID, jobs.ResultKind); apperr.ErrorCode(err) != apperr.NotFound {
			return fmt.Errorf("old job's result: %v, want it removed", err)
		}
		if len(m.List(func(j jobs.Job) bool { return j.ID == old.ID })) != 0 {
			return fmt.Errorf("old job still listed")
		}
		return nil
	})
	if _, err := m.Get(ctx, young.ID); err != nil {
		t.Errorf("young job: %v", err)
	}
	if _, err := data.Get(ctx, young.ID, jobs.ResultKind); err != nil {
		t.Errorf("young job's result: %v", err)
	}
}

// TestForgetRedactsEveryObject: Forget hands every stored snapshot and
// result to the programme's Redactor and stores what it changed.
func TestForgetRedactsEveryObject(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	m, data := openRedacting(t, js, jobs.Config{Name: "forget"})
	failed, _ := m.Submit(ctx, "f", jobs.Job{}) // never runs: its snapshot stays
	for _, o := range []struct {
		id   string
		kind jobs.Kind
	}{{"job-1", jobs.ResultKind}, {"job-2", jobs.ResultKind}, {failed.ID, jobs.SnapshotKind}} {
		if _, err := data.Put(ctx, o.id, o.kind, []byte("p-1;p-2;v-9;")); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Forget(ctx, "p-2"); err != nil {
		t.Fatal(err)
	}
	if err := m.Forget(ctx, "v-9"); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		id   string
		kind jobs.Kind
	}{{"job-1", jobs.ResultKind}, {"job-2", jobs.ResultKind}, {failed.ID, jobs.SnapshotKind}} {
		if raw, err := data.Get(ctx, o.id, o.kind); err != nil || string(raw) != "p-1;" {
			t.Errorf("%s of %s = %q, %v; want p-1; only", o.kind, o.id, raw, err)
		}
	}
}

// TestSchedulesSubmitOncePerPeriod: a schedule gives one job per period
// however many sweeps see it.
func TestSchedulesSubmitOncePerPeriod(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	m, err := jobs.Open(ctx, js, jobs.Config{Name: "sched", AckWait: time.Second, Now: clock,
		Schedules: func() []jobs.Schedule {
			return []jobs.Schedule{{Organisation: "org-a", Municipalities: []string{"0380", "0180"}, Every: time.Hour}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	runIn(t, m, func(context.Context, *jobs.Run) error { return nil })
	count := func(want int) {
		t.Helper()
		testutil.CheckFor(t, 15*time.Second, 50*time.Millisecond, func() error {
			js := m.List(nil)
			done := 0
			for _, j := range js {
				if j.State == jobs.Succeeded && slices.Equal(j.Municipalities, []string{"0180", "0380"}) {
					done++
				}
			}
			if len(js) != want || done != want {
				return fmt.Errorf("%d jobs, %d succeeded in 0180 and 0380; want %d", len(js), done, want)
			}
			return nil
		})
	}
	count(1)
	mu.Lock()
	now = now.Add(59 * time.Minute)
	mu.Unlock()
	count(1)
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	count(2)
}

// stallingData is Data whose first read stalls: it notes the deadline it
// was given and fails as a read that waited for it would.
type stallingData struct {
	jobs.Data
	mu       sync.Mutex
	stalled  bool
	deadline time.Time // of the stalled read; zero: it had none
}

func (s *stallingData) Get(ctx context.Context, id string, kind jobs.Kind) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stalled {
		s.stalled = true
		s.deadline, _ = ctx.Deadline()
		return nil, context.DeadlineExceeded
	}
	return s.Data.Get(ctx, id, kind)
}

// TestForgetBoundsAStalledRead: an erasure handler's Forget does not hand
// a stalled object read the caller's whole deadline (an event consumer's
// AckWait): the read gets at most ten seconds, Forget fails so the event
// is retried, and the retry redacts.
func TestForgetBoundsAStalledRead(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	inner, err := jobs.OpenObjectData(ctx, js, "forget_stall", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	data := &stallingData{Data: inner}
	redact := func(_ jobs.Kind, raw []byte, id string) ([]byte, bool, error) {
		out := bytes.ReplaceAll(raw, []byte(id+";"), nil)
		return out, !bytes.Equal(out, raw), nil
	}
	m, err := jobs.Open(ctx, js, jobs.Config{Name: "stall", AckWait: time.Second, Data: data, Redact: redact})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	if _, err := inner.Put(ctx, "job-1", jobs.ResultKind, []byte("p-1;p-2;")); err != nil {
		t.Fatal(err)
	}
	hctx, cancel := context.WithTimeout(ctx, 30*time.Second) // the consumer's AckWait
	defer cancel()
	called := time.Now()
	if err := m.Forget(hctx, "p-2"); err == nil {
		t.Fatal("Forget succeeded although its read failed")
	}
	// Ten seconds from when Forget started its read; the caller gave 30.
	if data.deadline.IsZero() || data.deadline.Sub(called) > 15*time.Second {
		t.Errorf("the stalled read had until %v after the call; want about 10s, not the caller's 30s", data.deadline.Sub(called))
	}
	if err := m.Forget(hctx, "p-2"); err != nil {
		t.Fatal(err)
	}
	if raw, err := inner.Get(ctx, "job-1", jobs.ResultKind); err != nil || string(raw) != "p-1;" {
		t.Errorf("result = %q, %v; want p-1; only", raw, err)
	}
}
