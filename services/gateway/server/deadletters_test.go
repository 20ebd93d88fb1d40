package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/prototext"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/pkg/testutil"
	dinners "github.com/motesplats/motesplats/services/dinners/server"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
	guides "github.com/motesplats/motesplats/services/guides/server"
	mentoring "github.com/motesplats/motesplats/services/mentoring/server"
)

// faultyProjection is a consumer of the participants service's events, run
// the way services run theirs (durable, idempotent through its
// processed-ids bucket, dead-lettering after MaxDeliver): while its fault
// is set every delivery fails, as a projection whose store is down.
type faultyProjection struct {
	fault   atomic.Bool
	mu      sync.Mutex
	applied map[string]int // event id -> times applied
}

const projectionDurable = "dl-test-projection"

func startProjection(t *testing.T, e *env) *faultyProjection {
	t.Helper()
	p := &faultyProjection{applied: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- events.RunDurable(ctx, e.js, events.Durable{
			Consumer: events.ConsumerConfig{Stream: events.StreamParticipants, Durable: projectionDurable,
				FilterSubjects: []string{events.ParticipantRegistered}, MaxDeliver: 3,
				Backoff: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}},
			Handler: func(_ context.Context, env *eventsv1.Envelope) error {
				if p.fault.Load() {
					return errors.New("projection store down")
				}
				p.mu.Lock()
				defer p.mu.Unlock()
				p.applied[env.GetId()]++
				return nil
			},
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("projection: %v", err)
		}
	})
	return p
}

func (p *faultyProjection) times(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applied[id]
}

// opsClient is the OpsService with a signed-in user's token.
func (e *env) ops(c *apiClient) gatewayv1connect.OpsServiceClient {
	return gatewayv1connect.NewOpsServiceClient(&http.Client{Timeout: 30 * time.Second}, e.base,
		connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
			return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
				req.Header().Set("Authorization", "Bearer "+c.token)
				return next(ctx, req)
			}
		})))
}

// waitDeadLetter waits until the projection's consumer has n dead letters
// and returns the newest.
func waitDeadLetter(t *testing.T, ops gatewayv1connect.OpsServiceClient, n int32) *gatewayv1.DeadLetter {
	t.Helper()
	var dl *gatewayv1.DeadLetter
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		res, err := ops.ListDeadLetters(testutil.Context(t), connect.NewRequest(&gatewayv1.ListDeadLettersRequest{Consumer: projectionDurable}))
		if err != nil {
			return err
		}
		if got := res.Msg.GetTotalSize(); got != n || len(res.Msg.GetDeadLetters()) != int(n) {
			return fmt.Errorf("%d dead letters, want %d", got, n)
		}
		if n > 0 {
			dl = res.Msg.GetDeadLetters()[n-1]
		}
		return nil
	})
	return dl
}

// TestDeadLettersForAnOperator: a participant-registered event that a
// consumer fails on three times lands in the dead letters; an operator
// lists it (filtered, with the total) and inspects it (ids and the error,
// no personal data), replays it with mp after the fault is fixed and the
// consumer applies it once (a second replay finds nothing), discards
// another on the "Felaktiga händelser" page, in Swedish; every step is in
// the audit log; a coordinator gets PermissionDenied whatever the id; bad
// input gets InvalidArgument with field violations.
func TestDeadLettersForAnOperator(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	if _, err := admin.users.CreateUser(ctx, connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{
		Email: "drift@example.org", DisplayName: "Drift", Role: gatewayv1.Role_ROLE_OPERATOR, Locale: "sv"}, Password: password})); err != nil {
		t.Fatal(err)
	}
	operator := e.login("drift@example.org", password)
	org := e.createOrg("Förening", "0180")
	coord := e.coordinator(admin, "dl-coord@example.org", org, "0180")
	proj := startProjection(t, e)
	ops, coordOps := e.ops(operator), e.ops(coord)

	proj.fault.Store(true)
	person := newcomer(t, coord, org, "0180", "Zainab")
	dl := waitDeadLetter(t, ops, 1)
	if dl.GetStream() != events.StreamParticipants || dl.GetDeliveryCount() != 3 ||
		dl.GetErrorKind() != gatewayv1.DeadLetterErrorKind_DEAD_LETTER_ERROR_KIND_MAX_DELIVER || dl.GetErrorCause() != "*errors.errorString" ||
		dl.GetFirstFailureTime() == nil || dl.GetLastFailureTime() == nil || dl.GetPublishTime() == nil {
		t.Errorf("listed %v", dl)
	}
	got, err := ops.GetDeadLetter(ctx, connect.NewRequest(&gatewayv1.GetDeadLetterRequest{Id: dl.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	shown := got.Msg.GetDeadLetter()
	if shown.GetSubjectId() != person || shown.GetEventType() != events.ParticipantRegistered || shown.GetEventId() == "" {
		t.Errorf("inspected %v, want the event's ids about %s", shown, person)
	}
	if text := prototext.Format(got.Msg); strings.Contains(text, "Zainab") || strings.Contains(text, "Hassan") {
		t.Errorf("the dead letter shows personal data:\n%s", text)
	}
	if res, err := ops.ListDeadLetters(ctx, connect.NewRequest(&gatewayv1.ListDeadLettersRequest{Stream: events.StreamVolunteers})); err != nil || res.Msg.GetTotalSize() != 0 {
		t.Errorf("filtered by another stream: %v, %v", res, err)
	}

	// A coordinator: the same refusal for a real id, an unknown one and a
	// list.
	var refusals []string
	for _, call := range []func() error{
		func() error {
			_, err := coordOps.ListDeadLetters(ctx, connect.NewRequest(&gatewayv1.ListDeadLettersRequest{}))
			return err
		},
		func() error {
			_, err := coordOps.GetDeadLetter(ctx, connect.NewRequest(&gatewayv1.GetDeadLetterRequest{Id: dl.GetId()}))
			return err
		},
		func() error {
			_, err := coordOps.GetDeadLetter(ctx, connect.NewRequest(&gatewayv1.GetDeadLetterRequest{Id: "987654"}))
			return err
		},
		func() error {
			_, err := coordOps.ReplayDeadLetter(ctx, connect.NewRequest(&gatewayv1.ReplayDeadLetterRequest{Id: dl.GetId()}))
			return err
		},
		func() error {
			_, err := coordOps.DiscardDeadLetter(ctx, connect.NewRequest(&gatewayv1.DiscardDeadLetterRequest{Id: "not a number"}))
			return err
		},
	} {
		err := call()
		if connect.CodeOf(err) != connect.CodePermissionDenied {
			t.Errorf("coordinator: %v, want PermissionDenied", err)
		}
		refusals = append(refusals, fmt.Sprint(err))
	}
	for _, r := range refusals[1:] {
		if r != refusals[0] {
			t.Errorf("refusals differ: %q and %q", refusals[0], r)
		}
	}

	// Bad input, each field named.
	_, err = ops.ListDeadLetters(ctx, connect.NewRequest(&gatewayv1.ListDeadLettersRequest{Consumer: "a.b", Stream: "*", PageSize: 500, PageToken: "x"}))
	if got, want := strings.Join(violations(err), ","), "consumer,stream,page_size,page_token"; got != want || connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("bad list: %v (fields %s), want fields %s", err, got, want)
	}
	for _, id := range []string{"", "abc", "0", "-1"} {
		_, err := ops.ReplayDeadLetter(ctx, connect.NewRequest(&gatewayv1.ReplayDeadLetterRequest{Id: id}))
		if got := strings.Join(violations(err), ","); got != "id" || connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("replay %q: %v, want InvalidArgument on id", id, err)
		}
	}
	if _, err := ops.GetDeadLetter(ctx, connect.NewRequest(&gatewayv1.GetDeadLetterRequest{Id: "987654"})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("unknown id: %v, want NotFound", err)
	}

	// Fixed, then replayed with mp: applied once.
	proj.fault.Store(false)
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "drift@example.org")
	out := mp(t, dir, "deadletters", "list", "-consumer", projectionDurable)
	mustContain(t, out, dl.GetId(), projectionDurable, "Alla försök misslyckades", "1 felaktig händelse")
	out = mp(t, dir, "deadletters", "show", dl.GetId())
	mustContain(t, out, person, events.ParticipantRegistered)
	if !regexp.MustCompile(`(?m)^Försök:\s+3$`).MatchString(out) {
		t.Errorf("mp deadletters show: no line \"Försök: 3\":\n%s", out)
	}
	mp(t, dir, "deadletters", "replay", dl.GetId())
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		if n := proj.times(shown.GetEventId()); n != 1 {
			return fmt.Errorf("applied %d times", n)
		}
		return nil
	})
	waitDeadLetter(t, ops, 0)
	if _, err := mpErr(t, dir, "deadletters", "replay", dl.GetId()); err == nil || !strings.Contains(err.Error(), "den felaktiga händelsen finns inte") {
		t.Errorf("second replay: %v, want the dead letter gone, in Swedish", err)
	}

	// Another failure, discarded on the page in Swedish.
	proj.fault.Store(true)
	newcomer(t, coord, org, "0180", "Omar")
	dl2 := waitDeadLetter(t, ops, 1)
	b := e.browser()
	b.signIn("drift@example.org", password)
	code, page := b.get("/admin/deadletters?consumer=" + projectionDurable)
	if code != http.StatusOK {
		t.Fatalf("list page: %d\n%s", code, trim(page))
	}
	mustContain(t, page, `<html lang="sv"`, "Felaktiga händelser", `href="/admin/deadletters/`+dl2.GetId()+`"`, "Alla försök misslyckades", "1–1 av 1")
	code, page = b.get("/admin/deadletters/" + dl2.GetId())
	if code != http.StatusOK {
		t.Fatalf("dead letter page: %d\n%s", code, trim(page))
	}
	mustContain(t, page, projectionDurable, "Skicka till mottagaren igen", "Kasta händelsen")
	if strings.Contains(page, "Omar") {
		t.Error("the dead letter page shows the person's name")
	}
	noEnglish(t, "/admin/deadletters/"+dl2.GetId(), page)
	if code, _ := b.post("/admin/deadletters/"+dl2.GetId()+"/discard", url.Values{}); code != http.StatusUnprocessableEntity {
		t.Errorf("discard without confirming: %d", code)
	}
	code, loc := b.post("/admin/deadletters/"+dl2.GetId()+"/discard", url.Values{"confirm": {"yes"}})
	if code != http.StatusSeeOther {
		t.Fatalf("discard: %d %s", code, trim(loc))
	}
	_, page = b.get(loc)
	mustContain(t, page, "Händelse "+dl2.GetId()+" kastades.", "Inga felaktiga händelser.")
	noEnglish(t, loc, page)
	waitDeadLetter(t, ops, 0)
	cb := e.browser()
	cb.signIn("dl-coord@example.org", password)
	if code, _ := cb.get("/admin/deadletters"); code != http.StatusForbidden {
		t.Errorf("a coordinator opened the dead letters: %d", code)
	}

	// Who did what, when: every operator action is in the audit log.
	var operatorID string
	if res, err := operator.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"})); err == nil {
		operatorID = res.Msg.GetUser().GetId()
	} else {
		t.Fatal(err)
	}
	res, err := admin.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{UserId: operatorID, PageSize: 1000}))
	if err != nil {
		t.Fatal(err)
	}
	did := map[string]bool{}
	for _, a := range res.Msg.GetEntries() {
		if a.GetResourceType() != "dead_letter" || a.GetTime() == nil || a.GetRole() != "ROLE_OPERATOR" {
			continue
		}
		did[a.GetAction()+" "+a.GetResourceId()+" "+a.GetOutcome()] = true
		if a.GetAction() == "list" && strings.Join(a.GetResourceIds(), ",") == dl.GetId() {
			did["list of "+dl.GetId()] = true
		}
	}
	for _, want := range []string{
		"list of " + dl.GetId(), "read " + dl.GetId() + " ok", "replay " + dl.GetId() + " ok",
		"replay " + dl.GetId() + " not_found", "discard " + dl2.GetId() + " ok", "read " + dl2.GetId() + " ok",
	} {
		if !did[want] {
			t.Errorf("audit log lacks %q; has %v", want, did)
		}
	}
}

// noEnglish fails when a page in Swedish shows a string of the English
// catalogue that the Swedish one words differently.
func noEnglish(t *testing.T, path, body string) {
	t.Helper()
	sv, en := web.Catalogue("sv"), web.Catalogue("en")
	text := visibleText(body)
	for k, s := range en {
		// The bare string first: compiling the pattern of every string
		// for every page cost more than the check (ADR 0216).
		if len(s) < 4 || sv[k] == s || strings.Contains(s, "%") || strings.HasSuffix(k, ".language_name") || !strings.Contains(text, s) {
			continue
		}
		if m := englishWords(s).findIn(text); m != "" {
			t.Errorf("%s: English %q on the Swedish page", path, strings.TrimSpace(m))
		}
	}
}

// TestServicesDeadLetterAndTakeReplays: the real services' own consumers
// write dead letters the operator sees and take replays. A message on the
// participants stream that is not an event is dead-lettered by each
// programme's consumer of that stream; a replay to mentoring's consumer
// reaches it (it fails again, so it comes back counting the replay, with
// the same stream sequence) and the others' are discarded.
func TestServicesDeadLetterAndTakeReplays(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	ops := e.ops(admin)
	// The programmes' consumers are set up once the participants stream
	// exists: wait for their replay consumers.
	want := []string{dinners.ParticipantsDurable, guides.ParticipantsDurable, mentoring.ParticipantsDurable}
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		for _, d := range want {
			if _, err := e.js.Consumer(ctx, events.StreamReplay, d); err != nil {
				return fmt.Errorf("replay consumer %s: %w", d, err)
			}
		}
		return nil
	})
	// On a type the programmes' durable consumers take (they take no
	// registrations: their pools' feeds do, ADR 0088).
	if _, err := e.js.Publish(ctx, events.ParticipantUpdated+".poison-1", []byte("not an event")); err != nil {
		t.Fatal(err)
	}
	list := func() map[string]*gatewayv1.DeadLetter {
		res, err := ops.ListDeadLetters(ctx, connect.NewRequest(&gatewayv1.ListDeadLettersRequest{Stream: events.StreamParticipants}))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*gatewayv1.DeadLetter{}
		for _, dl := range res.Msg.GetDeadLetters() {
			out[dl.GetConsumer()] = dl
		}
		return out
	}
	var first map[string]*gatewayv1.DeadLetter
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		if first = list(); len(first) < len(want) {
			return fmt.Errorf("dead letters from %d consumers", len(first))
		}
		return nil
	})
	for _, d := range want {
		dl := first[d]
		if dl.GetErrorKind() != gatewayv1.DeadLetterErrorKind_DEAD_LETTER_ERROR_KIND_POISON || dl.GetErrorCause() != "bad_envelope" || dl.GetDeliveryCount() != 1 {
			t.Errorf("%s: %v", d, dl)
		}
	}
	m := first[mentoring.ParticipantsDurable]
	if _, err := ops.ReplayDeadLetter(ctx, connect.NewRequest(&gatewayv1.ReplayDeadLetterRequest{Id: m.GetId()})); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		again := list()[mentoring.ParticipantsDurable]
		if again == nil || again.GetId() == m.GetId() {
			return errors.New("no new dead letter from mentoring yet")
		}
		if again.GetReplayCount() != 1 || again.GetStreamSequence() != m.GetStreamSequence() || again.GetSubject() != m.GetSubject() {
			t.Errorf("after the replay %v, first %v", again, m)
		}
		return nil
	})
	for _, dl := range list() {
		if _, err := ops.DiscardDeadLetter(ctx, connect.NewRequest(&gatewayv1.DiscardDeadLetterRequest{Id: dl.GetId()})); err != nil {
			t.Fatal(err)
		}
	}
	if left := list(); len(left) != 0 {
		t.Errorf("left after discarding: %v", left)
	}
}
