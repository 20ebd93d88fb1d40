package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/echo"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
)

// echoServer serves the bare EchoService, the baseline a load run compares
// real RPCs against (same gRPC stack, no auth, no work).
func echoServer(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:7099", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv, hs := echo.NewServer(grpcx.Options{})
	fmt.Fprintf(out, "echo listening on %s\n", lis.Addr())
	return grpcx.Serve(ctx, srv, hs, lis, 5*time.Second)
}

// latency measures, on a running stack, the time from an acknowledged
// CreateParticipant to its registered event being handled by a durable
// consumer, as another service would consume it, at a steady write rate.
func latency(ctx context.Context, cfg Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("latency", flag.ContinueOnError)
	rate := fs.Int("rate", 200, "creates per second")
	dur := fs.Duration("duration", 10*time.Second, "how long to write")
	natsURL := fs.String("nats", cfg.natsURL(), "NATS of the running stack")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rate < 1 || *rate > 5000 || *dur <= 0 || *dur > 10*time.Minute {
		return errors.New("latency: rate must be 1..5000 and duration up to 10m")
	}
	key, kid, err := operatorKey(cfg)
	if err != nil {
		return err
	}
	creds := auth.PerRPCCredentials(auth.SignerSource(auth.NewSigner(key, kid, time.Now),
		auth.Claims{Subject: "latency-probe", Role: auth.RoleAdmin}, 10*time.Minute))
	conn, err := grpcx.Dial(cfg.ParticipantsAddr, grpc.WithPerRPCCredentials(creds))
	if err != nil {
		return err
	}
	defer conn.Close()
	pc := participantsv1.NewParticipantServiceClient(conn)
	org, err := probeOrganisation(ctx, cfg.VolunteersAddr, creds)
	if err != nil {
		return err
	}
	js, err := connectTools(*natsURL, "latency-probe", cfg)
	if err != nil {
		return err
	}
	defer js.Conn().Close()

	var mu sync.Mutex
	acked := map[string]time.Time{}
	sent := map[string]time.Time{}
	handled := map[string]time.Time{}
	durable := fmt.Sprintf("latency-probe-%d", time.Now().UnixNano())
	c, err := events.NewConsumer(ctx, js, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: durable, FilterSubjects: []string{events.ParticipantRegistered},
	}, func(_ context.Context, env *eventsv1.Envelope) error {
		mu.Lock()
		handled[env.GetSubjectId()] = time.Now()
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	cctx, stopConsumer := context.WithCancel(ctx)
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		_ = c.Run(cctx)
	}()
	defer func() {
		// Stop the consumer before the connection closes under it.
		stopConsumer()
		<-consumed
		_ = js.DeleteConsumer(context.Background(), events.StreamParticipants, durable)
	}()

	fmt.Fprintf(out, "writing %d creates/s for %v\n", *rate, *dur)
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	defer tick.Stop()
	end := time.Now().Add(*dur)
	var wg sync.WaitGroup
	var failures int
	for i := 0; time.Now().Before(end); i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			res, err := pc.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
				OrganisationId: org, MunicipalityCode: "0180", GivenName: "Probe",
				SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_A,
			}})
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures++
				return
			}
			acked[res.GetParticipant().GetId()] = now
			sent[res.GetParticipant().GetId()] = start
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		done := len(handled) >= len(acked)
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	var fromAck, fromSend []time.Duration
	missing := 0
	for id, a := range acked {
		h, ok := handled[id]
		if !ok {
			missing++
			continue
		}
		// The service publishes before it answers, so the consumer often
		// has the event before the client has read the ack: zero delay.
		fromAck = append(fromAck, max(0, h.Sub(a)))
		fromSend = append(fromSend, h.Sub(sent[id]))
	}
	fmt.Fprintf(out, "creates=%d failed=%d events_missing=%d\n", len(acked), failures, missing)
	fmt.Fprintf(out, "  ack -> handled:          %s\n", quantiles(fromAck))
	fmt.Fprintf(out, "  request sent -> handled: %s\n", quantiles(fromSend))
	return nil
}

func quantiles(d []time.Duration) string {
	if len(d) == 0 {
		return "no samples"
	}
	slices.Sort(d)
	q := func(p float64) time.Duration {
		return d[min(len(d)-1, int(p*float64(len(d))))].Round(10 * time.Microsecond)
	}
	return fmt.Sprintf("p50=%v p90=%v p99=%v max=%v", q(0.50), q(0.90), q(0.99), d[len(d)-1].Round(10*time.Microsecond))
}
