package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/guides/internal/pool"
	"github.com/motesplats/motesplats/services/guides/server"
)

// nationalPool is the national scale, drawn as
// services/guides/internal/assign's national() draws it (skewed towards
// large municipalities, eight languages, 47% women, about four guide
// organisations per municipality) but over the real 290 municipality
// codes, so the service accepts the job, and with capacity for 120% of
// each municipality's entitled, so the job proposes a guide to every
// one: 50,000 entitled newcomers and 280 organisations.
func nationalPool(tb testing.TB) ([]*pb.PoolNewcomer, []*eventsv1.Envelope, []string) {
	tb.Helper()
	r := rand.New(rand.NewPCG(11, 2026))
	langs := []string{"ar", "so", "ti", "fa", "prs", "uk", "en", "ku"}
	var munis []string
	for _, m := range municipality.All() {
		munis = append(munis, m.Code)
	}
	perMuni := map[string]int{}
	var ns []*pb.PoolNewcomer
	for i := range 50_000 {
		m := munis[min(int(r.ExpFloat64()*60), len(munis)-1)]
		perMuni[m]++
		g := typev1.Gender_GENDER_MAN
		if r.IntN(100) < 47 {
			g = typev1.Gender_GENDER_WOMAN
		}
		permit := today.AddDate(0, -r.IntN(20), -1)
		n := &pb.PoolNewcomer{ParticipantId: fmt.Sprintf("p%06d", i), MunicipalityCode: m, Gender: g,
			Languages: []string{langs[r.IntN(len(langs))]}, Consented: true, HouseholdSize: 1,
			EstablishmentStatus: int32(eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED),
			ParentalLeave:       int32(eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE),
			ResidencePermitDate: permit.Format(time.DateOnly), RegisterTime: timestamppb.New(permit),
			EventTime: timestamppb.New(permit), EventId: fmt.Sprintf("seed-%06d", i)}
		if r.IntN(3) == 0 {
			n.Languages = append(n.Languages, langs[r.IntN(len(langs))])
		}
		ns = append(ns, n)
	}
	// Each organisation serves four municipalities; a municipality's
	// servers share 120% of its newcomers (a Swedish unit of 2c and one
	// other language of c each), so every newcomer can have a guide and
	// the job proposes all 50,000.
	servers := map[string]int{}
	for o := range 280 {
		for k := range 4 {
			servers[munis[(o*4+k*73)%len(munis)]]++
		}
	}
	var orgs []*eventsv1.Envelope
	for o := range 280 {
		id := fmt.Sprintf("org%03d", o)
		var caps []*eventsv1.GuideCapacity
		served := map[string]bool{}
		for k := range 4 {
			m := munis[(o*4+k*73)%len(munis)]
			served[m] = true
			c := int32(max((perMuni[m]*12+30*servers[m]-1)/(30*servers[m]), 1))
			caps = append(caps, &eventsv1.GuideCapacity{MunicipalityCode: m, Language: "sv", Capacity: 2 * c},
				&eventsv1.GuideCapacity{MunicipalityCode: m, Language: langs[(o+k)%len(langs)], Capacity: c})
		}
		var codes []string
		for m := range served {
			codes = append(codes, m)
		}
		orgs = append(orgs, envelope(tb, "volunteers.organisation.created", id, &eventsv1.OrganisationCreated{
			Facts: &eventsv1.OrganisationFacts{OrganisationId: id, Type: "ORGANISATION_TYPE_ASSOCIATION",
				MunicipalityCodes: codes, GuideCapacities: caps}}))
	}
	return ns, orgs, munis
}

// syncWrites is natscli's `nats bench js pub sync --clients 8` in process,
// on the same server and disk: 8 connections each publishing 128-byte
// messages and waiting for every ack, for about d. It returns writes/s.
func syncWrites(tb testing.TB, n *testutil.NATS, d time.Duration) float64 {
	tb.Helper()
	ctx := testutil.Context(tb)
	if _, err := n.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "BENCHSYNC", Subjects: []string{"benchsync.>"},
		Storage: jetstream.FileStorage}); err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = n.JS.DeleteStream(ctx, "BENCHSYNC") }()
	var count atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for c := range 8 {
		_, js := n.Connect(tb)
		wg.Go(func() {
			msg := make([]byte, 128)
			for time.Since(start) < d {
				if _, err := js.Publish(ctx, fmt.Sprintf("benchsync.%d", c), msg); err != nil {
					tb.Error(err)
					return
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds()
}

// BenchmarkNationalJob is the whole assignment at national scale on a
// server that fsyncs every write (as the stack runs): from starting the
// national job (an administrator naming no municipality: all 290 in one
// job, docs/adr/0077) to every proposal durably stored and the job
// finished (target: 20 s), beside JetStream's own 8-client synchronous
// write rate measured in the same run and what one durable write per
// proposal at that rate would take. Each phase's wall clock and CPU (the
// whole process's, the NATS server's included) is reported from the
// kit's spans. The pool (50,000 newcomers, 280 organisations) is seeded
// first and not timed.
// Run: go test -run '^$' -bench NationalJob -benchtime 1x ./services/guides/server/
func BenchmarkNationalJob(b *testing.B) {
	ctx := context.Background()
	clock := newPhaseClock()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(clock))
	// The store's write spans use the global provider.
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	b.Cleanup(func() { otel.SetTracerProvider(prev) })
	dir := b.TempDir()
	s, err := natsembed.Start(natsembed.Options{StoreDir: dir, Port: -1, SyncAlways: true})
	if err != nil {
		b.Fatal(err)
	}
	nc, err := natsembed.Connect(s, "bench")
	if err != nil {
		b.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	n := &testutil.NATS{Server: s, Conn: nc, JS: js, Dir: dir}
	b.Cleanup(n.Stop)
	k, err := auth.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	e := &env{t: b, nats: n, key: k, signer: auth.NewSigner(k, "k1", time.Now)}
	// One replica: a job runs on one replica, and a second would only add
	// a second watch of every bucket.
	e.addrs = append(e.addrs, e.start(server.Options{JobAckWait: 30 * time.Second, TracerProvider: tp}))
	c := e.as(admin)

	newcomers, orgs, _ := nationalPool(b)
	e.publish(ctx, orgs...)
	e.waitKeys(ctx, pool.OrganisationBucket, len(orgs))
	// Registered as the participants service would, in atomic batches.
	regs := make([]*eventsv1.Envelope, len(newcomers))
	for i, nc := range newcomers {
		regs[i] = registered(b, factsOf(nc))
	}
	if err := events.NewPublisher(js).PublishBatch(ctx, regs); err != nil {
		b.Fatal(err)
	}
	// The service's pool follows the stream by its feed.
	testutil.CheckFor(b, 60*time.Second, 100*time.Millisecond, func() error {
		_, err := c.GetEligibility(ctx, &pb.GetEligibilityRequest{ParticipantId: newcomers[len(newcomers)-1].GetParticipantId()})
		return err
	})

	writes := syncWrites(b, n, 3*time.Second)
	clock.reset()
	b.ResetTimer()
	var proposals int64
	var jobCPU time.Duration
	var load string
	for b.Loop() {
		start, cpu0 := time.Now(), servicetest.ProcessCPU()
		res, err := c.StartAssignmentJob(ctx, &pb.StartAssignmentJobRequest{RequestId: fmt.Sprintf("national-%d", start.UnixNano()),
			Quotas: []pb.QuotaKind{pb.QuotaKind_QUOTA_KIND_GENDER_PER_MUNICIPALITY}})
		if err != nil {
			b.Fatal(err)
		}
		id := res.GetJob().GetId()
		if got := len(res.GetJob().GetMunicipalityCodes()); got != 290 {
			b.Fatalf("national job covers %d municipalities, want 290", got)
		}
		testutil.CheckFor(b, 10*time.Minute, 20*time.Millisecond, func() error {
			r, err := c.GetJob(ctx, &pb.GetJobRequest{Id: id})
			if err != nil {
				return err
			}
			switch r.GetJob().GetState() {
			case pb.JobState_JOB_STATE_SUCCEEDED:
				proposals = r.GetJob().GetCounts()["proposals"]
				return nil
			case pb.JobState_JOB_STATE_FAILED:
				b.Fatalf("job %s failed: %s", id, r.GetJob().GetErrorMessage())
			}
			return fmt.Errorf("job %s: %s", id, r.GetJob().GetPhase())
		})
		b.ReportMetric(time.Since(start).Seconds(), "s/national-job")
		jobCPU += servicetest.ProcessCPU() - cpu0
		if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
			load = strings.Join(strings.Fields(string(raw))[:3], " ")
		}
	}
	b.StopTimer()
	// The machine is shared: the load average says how much of its two
	// cores the run could have had.
	b.Logf("phases: %s; load average at the end: %s", clock, load)
	b.ReportMetric(jobCPU.Seconds()/float64(b.N), "s-job-cpu")
	for _, ph := range []string{"snapshot", "build", "solve", "verify", "explain", "propose"} {
		t := clock.get("jobs." + ph)
		wall, cpu := t.wall, t.cpu
		if ph == "solve" { // the solve span holds the check and the explanation
			for _, child := range []string{"jobs.verify", "jobs.explain"} {
				wall -= clock.get(child).wall
				cpu -= clock.get(child).cpu
			}
		}
		b.ReportMetric(wall.Seconds()/float64(b.N), "s-"+ph+"-wall")
		b.ReportMetric(cpu.Seconds()/float64(b.N), "s-"+ph+"-cpu")
	}
	b.ReportMetric(float64(clock.snapshotBytes.Load()), "snapshot-bytes")
	b.ReportMetric(float64(proposals), "proposals")
	b.ReportMetric(writes, "js-sync8-writes/s")
	b.ReportMetric(float64(proposals)/writes, "s-at-1-write/proposal")
}

// factsOf is what the participants service would publish of a newcomer
// the guides pool holds as n.
func factsOf(n *pb.PoolNewcomer) *eventsv1.ParticipantFacts {
	f := &eventsv1.ParticipantFacts{ParticipantId: n.GetParticipantId(), MunicipalityCode: n.GetMunicipalityCode(),
		Gender: n.GetGender(), HouseholdSize: n.GetHouseholdSize(),
		ConsentedPurposes:   []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES},
		EstablishmentStatus: eventsv1.EstablishmentStatus(n.GetEstablishmentStatus()),
		ParentalLeave:       eventsv1.ParentalLeave(n.GetParentalLeave()),
		ResidencePermitDate: n.GetResidencePermitDate(), RegisteredAt: n.GetRegisterTime().AsTime().Format(time.RFC3339)}
	for _, l := range n.GetLanguages() {
		f.Languages = append(f.Languages, &typev1.LanguageSkill{Code: l})
	}
	return f
}
