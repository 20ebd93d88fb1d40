package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/calendar"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// markers are unique values planted in every personal field; each round
// of updates plants a new set, so old values are searched for too.
type markers struct {
	run string
	all []string
}

func newMarkers(t *testing.T) *markers {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	s := make([]byte, len(b))
	for i, c := range b {
		s[i] = 'a' + c%26
	}
	return &markers{run: "zq" + string(s)}
}

// name returns a new marker for field in round n; digits become a phone.
func (m *markers) name(field string, n int) string {
	v := fmt.Sprintf("%s%s%d", m.run, field, n)
	m.all = append(m.all, v)
	return v
}

func (m *markers) phone(n int) string {
	// A phone number's digits: 46 70, then 7 digits unique to this run.
	d := 0
	for _, c := range m.run {
		d = (d*31 + int(c)) % 1_000_000
	}
	v := fmt.Sprintf("+4670%06d%d", d, n)
	m.all = append(m.all, v)
	return v
}

func (m *markers) participant(org string, n int) *participantsv1.Participant {
	return &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: "0880",
		GivenName: m.name("given", n), FamilyName: m.name("family", n),
		Contact:   &typev1.Contact{Email: m.name("mail", n) + "@example.org", Phone: m.phone(n)},
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		Interests: []string{m.name("interest", n)},
		Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING,
			TextVersion: "2026-01", Language: "ar"}},
	}
}

func (m *markers) volunteer(org string, n int) *volunteersv1.Volunteer {
	seen := time.Now().UTC().AddDate(0, -1, 0)
	return &volunteersv1.Volunteer{
		OrganisationId: org, MunicipalityCode: "0880",
		GivenName: m.name("vgiven", n), FamilyName: m.name("vfamily", n),
		Contact:   &typev1.Contact{Email: m.name("vmail", n) + "@example.org", Phone: m.phone(10 + n)},
		Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 1}},
		Interests: []string{m.name("vinterest", n)},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: seen.Format(time.DateOnly),
			Verifier: m.name("verifier", n), ValidUntil: seen.AddDate(1, 0, 0).Format(time.DateOnly)},
	}
}

// clients are the services as an admin calls them.
type clients struct {
	p participantsv1.ParticipantServiceClient
	v volunteersv1.VolunteerServiceClient
}

func dialClients(t *testing.T, cfg Config, l *Listening) clients {
	t.Helper()
	var tok bytes.Buffer
	if err := token(cfg, nil, &tok); err != nil {
		t.Fatal(err)
	}
	creds := grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(strings.TrimSpace(tok.String()))))
	var c clients
	for _, part := range []string{"participants", "volunteers"} {
		conn, err := grpcx.Dial(l.Addr(part), creds)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		if part == "participants" {
			c.p = participantsv1.NewParticipantServiceClient(conn)
		} else {
			c.v = volunteersv1.NewVolunteerServiceClient(conn)
		}
	}
	return c
}

// onDisk returns the markers found in any file under dirs.
func onDisk(t *testing.T, m []string, dirs ...string) []string {
	t.Helper()
	var found []string
	for _, v := range m {
		for _, d := range dirs {
			if files := testutil.FilesContaining(t, d, []byte(v)); len(files) > 0 {
				found = append(found, fmt.Sprintf("%s in %s", v, files[0]))
				break
			}
		}
	}
	return found
}

// inRedis returns the markers found in any string value in Redis.
func inRedis(t *testing.T, ctx context.Context, url string, m []string) []string {
	t.Helper()
	rc, err := cache.NewRedisClient(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var found []string
	var cursor uint64
	for {
		keys, next, err := rc.Scan(ctx, cursor, "*", 100).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if typ, _ := rc.Type(ctx, k).Result(); typ != "string" {
				continue
			}
			val, err := rc.Get(ctx, k).Bytes()
			if err != nil {
				continue // expired meanwhile
			}
			for _, v := range m {
				if bytes.Contains(val, []byte(v)) || strings.Contains(k, v) {
					found = append(found, v+" in "+k)
				}
			}
		}
		if cursor = next; cursor == 0 {
			return found
		}
	}
}

// deadLetterAll dead-letters every event of the participants' and
// volunteers' streams, as a consumer that cannot handle them would.
func deadLetterAll(t *testing.T, ctx context.Context, js jetstream.JetStream) {
	t.Helper()
	for _, s := range []string{events.StreamParticipants, events.StreamVolunteers} {
		c, err := events.NewConsumer(ctx, js, events.ConsumerConfig{Stream: s, Durable: "planted-" + s},
			func(context.Context, *eventsv1.Envelope) error { return events.Permanent(errors.New("refused")) })
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = c.Run(cctx) }()
		consumerSettled(t, ctx, js, s, "planted-"+s)
		cancel()
		<-done
	}
	dl, err := js.Stream(ctx, events.StreamDeadLetter)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := dl.Info(ctx); err != nil || info.State.Msgs == 0 {
		t.Fatalf("no dead letters: %v, %v", info, err)
	}
}

// consumerSettled waits until durable has handled everything in stream.
func consumerSettled(t *testing.T, ctx context.Context, js jetstream.JetStream, stream, durable string) {
	t.Helper()
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		c, err := js.Consumer(ctx, stream, durable)
		if err != nil {
			return err
		}
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if info.NumPending != 0 || info.NumAckPending != 0 {
			return fmt.Errorf("%s: %d pending, %d unacknowledged", durable, info.NumPending, info.NumAckPending)
		}
		return nil
	})
}

func natsClient(t *testing.T, l *Listening) jetstream.JetStream {
	t.Helper()
	return testutil.MustJetStream(t, "nats://"+l.Addr("nats"))
}

// copyDir copies a directory tree (a JetStream store, stopped).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o600)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", from, err)
	}
}

// matchAndAccept runs a matching job over the pool (its snapshot holds
// the planted interests), and takes the proposed pair through approval
// and both acceptances; it returns an admin's mentoring client and the
// pair id.
func matchAndAccept(t *testing.T, ctx context.Context, cfg Config, l *Listening, org, pid, vid string) (mentoringv1.MentoringServiceClient, string) {
	t.Helper()
	c, id := matchAndApprove(t, ctx, cfg, l, org, pid, vid)
	for _, party := range []eventsv1.Party{eventsv1.Party_PARTY_NEWCOMER, eventsv1.Party_PARTY_MENTOR} {
		if _, err := c.AcceptOffer(ctx, &mentoringv1.AcceptOfferRequest{Id: id, Party: party}); err != nil {
			t.Fatalf("accept %s: %v", party, err)
		}
	}
	return c, id
}

// plantCheckIn records a check-in of active pair id whose request id is a
// new marker: a value kept in the pair record alone (ADR 0162).
func plantCheckIn(t *testing.T, ctx context.Context, c mentoringv1.MentoringServiceClient, m *markers, id string) {
	t.Helper()
	if _, err := c.RecordCheckIn(ctx, &mentoringv1.RecordCheckInRequest{Id: id, CheckIn: &mentoringv1.CheckIn{
		Date: calendar.Today(time.Now()), Met: true, Rating: mentoringv1.CheckInRating_CHECK_IN_RATING_GOOD,
		RequestId: m.name("checkin", 0)}}); err != nil {
		t.Fatalf("check-in: %v", err)
	}
}

// matchAndApprove runs a matching job over the pool and approves the one
// proposed pair; it returns an admin's mentoring client and the pair id.
func matchAndApprove(t *testing.T, ctx context.Context, cfg Config, l *Listening, org, pid, vid string) (mentoringv1.MentoringServiceClient, string) {
	t.Helper()
	var tok bytes.Buffer
	if err := token(cfg, nil, &tok); err != nil {
		t.Fatal(err)
	}
	conn, err := grpcx.Dial(l.Addr("mentoring"), grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(strings.TrimSpace(tok.String())))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	c := mentoringv1.NewMentoringServiceClient(conn)
	res, err := c.StartMatchingJob(ctx, &mentoringv1.StartMatchingJobRequest{RequestId: "planted", OrganisationId: org, MunicipalityCodes: []string{"0880"}})
	if err != nil {
		t.Fatalf("start job: %v", err)
	}
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		j, err := c.GetJob(ctx, &mentoringv1.GetJobRequest{Id: res.GetJob().GetId()})
		if err != nil {
			return err
		}
		if s := j.GetJob().GetState(); s != mentoringv1.JobState_JOB_STATE_SUCCEEDED {
			if s == mentoringv1.JobState_JOB_STATE_FAILED {
				t.Fatalf("job failed: %s", j.GetJob().GetErrorMessage())
			}
			return fmt.Errorf("job %s", s)
		}
		return nil
	})
	pairs, err := c.ListPairs(ctx, &mentoringv1.ListPairsRequest{JobId: res.GetJob().GetId()})
	if err != nil || len(pairs.GetPairs()) != 1 {
		t.Fatalf("pairs = %v, %v; want the planted newcomer and mentor", pairs, err)
	}
	p := pairs.GetPairs()[0]
	if p.GetParticipantId() != pid || p.GetVolunteerId() != vid {
		t.Fatalf("pair = %s/%s, want %s/%s", p.GetParticipantId(), p.GetVolunteerId(), pid, vid)
	}
	if _, err := c.ApproveProposal(ctx, &mentoringv1.ApproveProposalRequest{Id: p.GetId()}); err != nil {
		t.Fatalf("approve: %v", err)
	}
	return c, p.GetId()
}

// inSpans returns the markers found in any span's name, attributes or
// events.
func inSpans(spans *tracetest.InMemoryExporter, m []string) []string {
	var found []string
	for _, s := range spans.GetSpans() {
		text := s.Name + fmt.Sprint(s.Attributes) + fmt.Sprint(s.Events) + s.Status.Description
		for _, v := range m {
			if strings.Contains(text, v) {
				found = append(found, v+" in span "+s.Name)
			}
		}
	}
	return found
}

// plantedConfig is the stack configuration a planted-data test starts
// from: its own folder and Redis, its logs and spans kept, all of which
// the test searches for the planted values after the erasure; unsealed
// switches sealing off for the tests' controls.
func plantedConfig(t *testing.T, unsealed bool) (cfg Config, dir, redisURL string, logs *testutil.LogBuffer, spans *tracetest.InMemoryExporter) {
	t.Helper()
	dir = t.TempDir()
	redisURL = "redis://" + testutil.MustRedis(t) + "/0"
	logs, spans = &testutil.LogBuffer{}, tracetest.NewInMemoryExporter()
	cfg = testConfig(t, dir)
	cfg.RedisURL, cfg.logs, cfg.spans, cfg.unsealed = redisURL, logs, keptSpans{spans}, unsealed
	return cfg, dir, redisURL, logs, spans
}
