package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/motesplats/motesplats/pkg/events"
	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
)

// benchStream is the stream nats bench creates on the stack's server and
// the load run deletes after each bench.
const benchStream = "LOADBENCH"

func findCLI(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("load: natscli %q not found (make load installs it into .tmp/bin): %w", name, err)
	}
	return p, nil
}

var benchRate = regexp.MustCompile(`aggregated stats: ([0-9,.]+) msgs/sec`)

// natsBench runs natscli's synchronous publish bench with 8 clients on the
// stack's own server and returns its aggregated rate.
func natsBench(ctx context.Context, cli, url string, msgs int, out io.Writer, env ...string) (float64, error) {
	cmd := exec.CommandContext(ctx, cli, "--no-context", "-s", url, "bench", "js", "pub", "sync", "loadbench.sync",
		"--clients", "8", "--msgs", strconv.Itoa(msgs), "--size", "128", "--create", "--storage", "file",
		"--stream", benchStream, "--no-progress")
	// Against a running system natscli signs in as the tools do: it reads
	// NATS_USER and NATS_PASSWORD from the environment itself, and env
	// gives it the CA as NATS_CA (ADR 0226, 0230); nothing secret goes on
	// its command line.
	cmd.Env = append(os.Environ(), env...)
	b, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("load: nats bench: %w\n%s", err, b)
	}
	m := benchRate.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("load: no aggregated rate in nats bench output:\n%s", b)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "aggregated stats") || strings.Contains(line, "latencies per operation") {
			fmt.Fprintln(out, strings.TrimSpace(line))
		}
	}
	return strconv.ParseFloat(strings.ReplaceAll(string(m[1]), ",", ""), 64)
}

// probe is a durable consumer of participant registrations, built like
// every service's (pkg/events, explicit acks), that notes when it handled
// each participant's event.
type probe struct {
	mu      sync.Mutex
	handled map[string]time.Time
	cancel  context.CancelFunc
	done    chan struct{}
	js      jetstream.JetStream
	durable string
	// org is the organisation the creates register their newcomers in.
	org string
}

func newProbe(ctx context.Context, js jetstream.JetStream, org string) (*probe, error) {
	p := &probe{handled: map[string]time.Time{}, done: make(chan struct{}), js: js, org: org,
		durable: fmt.Sprintf("load-probe-%d", time.Now().UnixNano())}
	c, err := events.NewConsumer(ctx, js, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: p.durable, FilterSubjects: []string{events.ParticipantRegistered},
		// As the guides service consumes participants.
		Concurrency: 4,
	}, func(_ context.Context, env *eventsv1.Envelope) error {
		now := time.Now()
		p.mu.Lock()
		p.handled[env.GetSubjectId()] = now
		p.mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	go func() {
		defer close(p.done)
		_ = c.Run(cctx)
	}()
	return p, nil
}

func (p *probe) at(id string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.handled[id]
	return t, ok
}

func (p *probe) close() {
	p.cancel()
	<-p.done
	_ = p.js.DeleteConsumer(context.Background(), events.StreamParticipants, p.durable)
}

// createRequest is one create as the web app and the CLI send it: with a
// request id of its own, so the service makes it idempotent, in
// organisation org.
func createRequest(org string) *participantsv1.CreateParticipantRequest {
	return &participantsv1.CreateParticipantRequest{RequestId: ids.UUIDv7{}.New(), Participant: loadParticipant(org)}
}

// loadParticipant is what every create sends: a realistic small record,
// in organisation org (one that stands: probeOrganisation).
func loadParticipant(org string) *participantsv1.Participant {
	return &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: "0180", GivenName: "Probe",
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_A,
		Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		// Consents to every programme, so each service's pool takes the
		// newcomer in: the whole work a registration causes.
		Consents: []*participantsv1.Consent{
			consentTo(eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, "ar"),
			consentTo(eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, "ar"),
			consentTo(eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES, "ar"),
		},
	}
}

// drain waits until no consumer of any stream has messages pending or
// unacknowledged (the stack's services and the probe), up to limit, and
// returns how long that took.
func drain(ctx context.Context, js jetstream.JetStream, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		pending := uint64(0)
		for name := range js.StreamNames(ctx).Name() {
			if name == benchStream {
				continue
			}
			st, err := js.Stream(ctx, name)
			if err != nil {
				continue // deleted meanwhile
			}
			for ci := range st.ListConsumers(ctx).Info() {
				pending += ci.NumPending + uint64(ci.NumAckPending)
			}
		}
		if pending == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > limit {
			return time.Since(start), fmt.Errorf("%d messages still pending after %v", pending, limit)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		// Each poll asks the server about every consumer (JSON both
		// ways), which counts in the CPU per create: poll gently.
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lastSeqs returns every stream's last sequence: the count of messages it
// ever stored, each one a durable (fsynced) write.
func lastSeqs(ctx context.Context, js jetstream.JetStream) map[string]uint64 {
	m := map[string]uint64{}
	for si := range js.ListStreams(ctx).Info() {
		if si.Config.Name != benchStream {
			m[si.Config.Name] = si.State.LastSeq
		}
	}
	return m
}

// writeCount is what writesPerCreate found: durable writes per create in
// all, and the most on any one stream (which JetStream syncs one message
// at a time, so that stream bounds the create rate).
type writeCount struct {
	total, most float64
	stream      string
	synced      float64 // the writes synced one at a time: total less the key pool's batches
}

// batched says whether a stream is written ahead in atomic batches, one
// sync for a whole fill, rather than one sync per create: the key pool's
// buckets, the shared one of before and each owner's (pkg/seal/pool.go,
// docs/adr/0140 and 0238).
func batched(stream string) bool {
	return stream == "KV_"+seal.DefaultBucket || strings.HasPrefix(stream, "KV_"+seal.OwnerBucket(""))
}

// writesPerCreate makes n creates (8 at a time), waits for every consumer
// to finish with them, and prints the messages each stream stored per create.
func writesPerCreate(ctx context.Context, js jetstream.JetStream, pc participantsv1.ParticipantServiceClient, p *probe, n int, out io.Writer) (writeCount, error) {
	var wc writeCount
	if _, err := drain(ctx, js, 30*time.Second); err != nil {
		return wc, err
	}
	before := lastSeqs(ctx, js)
	var wg sync.WaitGroup
	var failed atomic.Int64
	sem := make(chan struct{}, 8)
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := pc.CreateParticipant(ctx, createRequest(p.org)); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return wc, fmt.Errorf("load: %d of %d creates failed", f, n)
	}
	if _, err := drain(ctx, js, 30*time.Second); err != nil {
		return wc, err
	}
	after := lastSeqs(ctx, js)
	var names []string
	for name := range after {
		if after[name] > before[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	total := 0.0
	for _, name := range names {
		per := float64(after[name]-before[name]) / float64(n)
		total += per
		if batched(name) {
			fmt.Fprintf(out, "  %-32s %5.2f (written ahead in atomic batches: one sync per fill, not per key)\n", name, per)
			continue
		}
		wc.synced += per
		if per > wc.most {
			wc.most, wc.stream = per, name
		}
		fmt.Fprintf(out, "  %-32s %5.2f\n", name, per)
	}
	fmt.Fprintf(out, "  %-32s %5.2f durable writes per create, %.2f of them synced one at a time (consumer ack state is flushed at most every 100 ms, not per ack)\n", "total", total, wc.synced)
	wc.total = total
	return wc, nil
}

// stepResult is one create rate held for a while.
type stepResult struct {
	target        int
	sent, acked   int
	failed, lost  int
	rate          float64 // acknowledged creates per second, first send to last ack
	p50, p99, max time.Duration
	drained       time.Duration // until every consumer had every event
	drainErr      error
	spikes        spikes // where the slow ones come from
}

// keepsUp reports whether the stack took the rate: every create
// acknowledged at (nearly) the rate asked, none failed, every event
// handled, and every consumer done within 5 s of the last send.
func (r stepResult) keepsUp() bool {
	return r.failed == 0 && r.lost == 0 && r.drainErr == nil && r.drained <= 5*time.Second &&
		r.rate >= 0.95*float64(r.target)
}

func (r stepResult) String(p99Limit time.Duration) string {
	s := fmt.Sprintf("rate %5d/s: %5d acked %6.0f/s  send->consumer p50 %-9v p99 %-9v max %-9v failed %d lost %d; all consumers drained %v after",
		r.target, r.acked, r.rate, r.p50, r.p99, r.max, r.failed, r.lost, r.drained.Round(time.Millisecond))
	if r.drainErr != nil {
		s += " (" + r.drainErr.Error() + ")"
	}
	switch {
	case !r.keepsUp():
		s += "  <- falls behind"
	case r.p99 > p99Limit:
		s += "  <- keeps up, p99 over " + p99Limit.String()
	}
	return s + "\n" + r.spikes.String()
}

// maxInFlight bounds the creates the driver has outstanding at once.
const maxInFlight = 2000

// driveCreates sends creates at rate per second for dur (open loop, at
// most maxInFlight outstanding) and measures each from its send to the probe
// consumer handling its event.
func driveCreates(ctx context.Context, js jetstream.JetStream, pc participantsv1.ParticipantServiceClient, p *probe, rate int, dur, p99Limit time.Duration, tl *timeline) stepResult {
	res := stepResult{target: rate}
	var mu sync.Mutex
	sent := map[string]timing{}
	var lastAck time.Time
	gc0 := readGC()
	// Long-lived senders, not a goroutine per create: a fresh goroutine
	// grows its stack again for every call, CPU the driver would add to
	// the stack's per-create figure (loadclient.go).
	snd := newSenders(maxInFlight, func(t0 time.Time) {
		r, err := pc.CreateParticipant(ctx, createRequest(p.org))
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.failed++
			return
		}
		sent[r.GetParticipant().GetId()] = timing{sent: t0, answered: now}
		if now.After(lastAck) {
			lastAck = now
		}
	})
	start := time.Now()
	gcAt := tl.watchGC(start)
	for n := 0; ; {
		el := time.Since(start)
		if el >= dur {
			break
		}
		for due := int(el.Seconds()*float64(rate)) + 1; n < due; n++ {
			if snd.offer(time.Now()) {
				res.sent++
			}
		}
		time.Sleep(time.Millisecond)
	}
	snd.wait()
	res.acked = len(sent)
	res.rate = float64(res.acked) / lastAck.Sub(start).Seconds()
	res.drained, res.drainErr = drain(ctx, js, 30*time.Second)
	gc1 := readGC()
	var lat []time.Duration
	var ts []timing
	for id, t := range sent {
		h, ok := p.at(id)
		if !ok {
			res.lost++
			continue
		}
		lat = append(lat, h.Sub(t.sent))
		t.handled = h
		ts = append(ts, t)
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		q := func(f float64) time.Duration {
			return lat[min(len(lat)-1, int(f*float64(len(lat))))].Round(100 * time.Microsecond)
		}
		res.p50, res.p99, res.max = q(0.5), q(0.99), lat[len(lat)-1].Round(100*time.Microsecond)
	}
	res.spikes = analyse(ts, p99Limit, gc0, gc1)
	tl.write(rate, start, ts, gcAt())
	return res
}

// getEcho is what getVsEcho found: median rates, and the CPU one bare
// echo call cost this process (client and server: the gRPC floor under
// any call, a create's too).
type getEcho struct {
	get, echo float64
	echoCPU   time.Duration
}

// getVsEcho runs closed-loop rounds of a cached GetParticipant and of the
// bare echo, alternating, and returns the median rate of each.
func getVsEcho(ctx context.Context, pc participantsv1.ParticipantServiceClient, participantsAddr, echoAddr string,
	creds credentials.PerRPCCredentials, o loadOptions, out io.Writer) (getEcho, error) {
	r, err := pc.CreateParticipant(ctx, createRequest(o.org))
	if err != nil {
		return getEcho{}, err
	}
	id := r.GetParticipant().GetId()
	if _, err := pc.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: id}); err != nil {
		return getEcho{}, err // and the cache holds it from here on
	}
	getConn, err := grpcx.Dial(participantsAddr, grpc.WithPerRPCCredentials(creds))
	if err != nil {
		return getEcho{}, err
	}
	defer getConn.Close()
	echoConn, err := grpcx.Dial(echoAddr)
	if err != nil {
		return getEcho{}, err
	}
	defer echoConn.Close()
	gc := participantsv1.NewParticipantServiceClient(getConn)
	ec := benchv1.NewEchoServiceClient(echoConn)
	var gets, echos []float64
	var echoCPU time.Duration
	var echoCalls atomic.Int64
	for round := 1; round <= o.getRounds; round++ {
		cpu0 := processCPU()
		e, eerr := closedLoop(ctx, o.workers, o.getDur, func(ctx context.Context) error {
			_, err := ec.Echo(ctx, &benchv1.EchoRequest{})
			if err == nil {
				echoCalls.Add(1)
			}
			return err
		})
		echoCPU += processCPU() - cpu0
		g, gerr := closedLoop(ctx, o.workers, o.getDur, func(ctx context.Context) error {
			_, err := gc.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: id})
			return err
		})
		if err := errors.Join(eerr, gerr); err != nil {
			return getEcho{}, err
		}
		fmt.Fprintf(out, "round %d: echo %7.0f/s  cached Get %7.0f/s  (%.0f%%)\n", round, e, g, 100*g/e)
		echos, gets = append(echos, e), append(gets, g)
	}
	return getEcho{get: median(gets), echo: median(echos), echoCPU: echoCPU / time.Duration(max(echoCalls.Load(), 1))}, nil
}

// closedLoop runs call from workers goroutines for dur and returns calls
// per second; any failed call fails the round.
func closedLoop(ctx context.Context, workers int, dur time.Duration, call func(context.Context) error) (float64, error) {
	var n atomic.Int64
	var mu sync.Mutex
	var firstErr error
	end := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(end) {
				if err := call(ctx); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

// median is the middle of xs; 0 for none (-get-rounds 0 measures no
// round, so there is nothing to take the middle of).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
