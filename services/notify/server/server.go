// Package server wires the notify service: its buckets, the durable
// consumers of the programmes' and the registers' events, the sender and
// the sweeps, and the gRPC server. The service's own main and the embedded
// stack both run it.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/notify/internal/bounce"
	"github.com/motesplats/motesplats/services/notify/internal/catalog"
	"github.com/motesplats/motesplats/services/notify/internal/channel"
	"github.com/motesplats/motesplats/services/notify/internal/directory"
	"github.com/motesplats/motesplats/services/notify/internal/grpcapi"
	"github.com/motesplats/motesplats/services/notify/internal/links"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
	"github.com/motesplats/motesplats/services/notify/internal/ratelimit"
)

// DefaultAddr is where the service listens unless told otherwise.
var DefaultAddr = service.Notify.Addr

// Buckets and durable consumer names; replicas share them.
const (
	MessagesBucket = "notify_messages"
	LinksBucket    = "notify_links"
	TrackedBucket  = "notify_tracked"

	MentoringDurable    = "notify-mentoring"
	DinnersDurable      = "notify-dinners"
	GuidesDurable       = "notify-guides"
	ParticipantsDurable = "notify-participants"
	VolunteersDurable   = "notify-volunteers"
)

// namedFields are the fields of a message that tell of the other person
// its text names (StoredMessage.named_person_id): sealed with that
// person's key inside the recipient's, so either's erasure makes them
// unreadable (docs/adr/0159). Once the named person is erased the message
// reads as forgetProposal leaves it: its text blank.
var namedFields = []string{"subject", "text_body", "html_body", "answer_url", "named_person_id"}

// Repos opens the three buckets. Messages and links are sealed with their
// person's data key, and a message's text also with the key of the other
// person it names; tracked proposals hold ids only and stay in clear.
func Repos(ctx context.Context, d service.Deps) (*store.Repo[*pb.StoredMessage], *store.Repo[*pb.StoredLink], *store.Repo[*pb.Tracked], error) {
	return repos(ctx, d, true)
}

// repos is Repos; bothKeys false seals a message under its recipient's
// key alone, as before ADR 0159 (Options.OneKeyMessages).
func repos(ctx context.Context, d service.Deps, bothKeys bool) (*store.Repo[*pb.StoredMessage], *store.Repo[*pb.StoredLink], *store.Repo[*pb.Tracked], error) {
	var alsoSealFor func(string, *pb.StoredMessage) string
	if bothKeys {
		alsoSealFor = func(_ string, m *pb.StoredMessage) string { return m.GetNamedPersonId() }
	}
	msgs, err := store.Open(ctx, d.JS, store.Config[*pb.StoredMessage]{
		Bucket: MessagesBucket, New: func() *pb.StoredMessage { return &pb.StoredMessage{} }, Replicas: d.Replicas,
		Logger: d.Logger, Keyring: d.Keyring, Subject: func(_ string, m *pb.StoredMessage) string { return m.GetPersonId() },
		AlsoSealFor: alsoSealFor, AlsoSealFields: namedFields,
		Indexes: map[string]func(*pb.StoredMessage) []string{
			"person":   func(m *pb.StoredMessage) []string { return []string{m.GetPersonId()} },
			"proposal": func(m *pb.StoredMessage) []string { return nonEmpty(m.GetProposalId()) },
			"pending":  func(m *pb.StoredMessage) []string { return flag(notice.Pending(m)) },
			"mailbox": func(m *pb.StoredMessage) []string {
				return flag(m.GetChannel() == pb.Channel_CHANNEL_MAILBOX && m.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_SENT)
			},
			"sent": func(m *pb.StoredMessage) []string {
				return flag(m.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_SENT &&
					(!m.GetAudited() || (m.GetChannel() == pb.Channel_CHANNEL_SMS && !m.GetDelivered())))
			},
		},
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("notify: %w", err)
	}
	lnk, err := store.Open(ctx, d.JS, store.Config[*pb.StoredLink]{
		Bucket: LinksBucket, New: func() *pb.StoredLink { return &pb.StoredLink{} }, Replicas: d.Replicas,
		Logger: d.Logger, Keyring: d.Keyring, Subject: func(_ string, l *pb.StoredLink) string { return l.GetPersonId() },
		Indexes: map[string]func(*pb.StoredLink) []string{
			"person":   func(l *pb.StoredLink) []string { return []string{l.GetPersonId()} },
			"proposal": func(l *pb.StoredLink) []string { return []string{l.GetProposalId()} },
		},
	})
	if err != nil {
		msgs.Close()
		return nil, nil, nil, fmt.Errorf("notify: %w", err)
	}
	tr, err := store.Open(ctx, d.JS, store.Config[*pb.Tracked]{
		Bucket: TrackedBucket, New: func() *pb.Tracked { return &pb.Tracked{} }, Replicas: d.Replicas, Logger: d.Logger,
		Subject: func(string, *pb.Tracked) string { return "" },
		Indexes: map[string]func(*pb.Tracked) []string{
			"person": func(t *pb.Tracked) []string { return nonEmpty(t.GetParticipantId(), t.GetVolunteerId()) },
		},
	})
	if err != nil {
		msgs.Close()
		lnk.Close()
		return nil, nil, nil, fmt.Errorf("notify: %w", err)
	}
	return msgs, lnk, tr, nil
}

func flag(b bool) []string {
	if b {
		return []string{"1"}
	}
	return nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Channels builds the senders the options configure.
func Channels(o Options) notice.Channels {
	var c notice.Channels
	if o.SMTP != nil {
		c.Email = channel.NewSMTP(*o.SMTP)
	}
	if o.SMS != nil {
		c.SMS = channel.NewElks(*o.SMS)
	}
	if o.Webhook != nil {
		c.Webhook = channel.NewWebhook(*o.Webhook)
	}
	return c
}

// Run serves the notify service on addr until ctx ends. ready, if not nil,
// is called with the listening address once the service accepts calls.
func Run(ctx context.Context, addr string, d service.Deps, o Options, ready func(net.Addr)) error {
	d = d.WithDefaults()
	if o.SigningKey == nil {
		return errors.New("notify: a signing key is required (MP_SIGNING_KEY): notify reads people and applies answers with its own token")
	}
	key := o.LinkKey
	if key == nil {
		if o.LinkKeyFile == "" {
			return errors.New("notify: a link key is required (MP_LINK_KEY or MP_LINK_KEY_FILE)")
		}
		var err error
		if key, err = links.LoadOrCreateKeyFile(o.LinkKeyFile); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
	}
	keys, err := links.NewKeys(key)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	cat, err := catalog.New()
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if o.Owner == "" {
		o.Owner = leaseOwner(addr)
	}
	d.Logger.Info("notify options", "options", o.String())
	msgs, lnk, tr, err := repos(ctx, d, !o.OneKeyMessages)
	if err != nil {
		return err
	}
	defer msgs.Close()
	defer lnk.Close()
	defer tr.Close()
	auditor, err := openAudit(ctx, d)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	dir, err := directory.New(o.Services, auth.NewSigner(o.SigningKey, o.KeyID, d.Now))
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	defer dir.Close()
	limits, err := ratelimit.Open(ctx, d.JS, d.Replicas, d.Now)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	met, err := newMetrics(msgs)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	defer met.close()
	svc := notice.New(notice.Deps{Messages: msgs, Links: lnk, Tracked: tr, Directory: dir, Programmes: dir,
		Channels: Channels(o), Catalog: cat, Keys: keys, Auditor: auditor, Metrics: met,
		BaseURL: strings.TrimSuffix(o.PublicURL, "/"), Owner: o.Owner, Now: d.Now, Logger: d.Logger, Retry: o.Retry, Quiet: o.Quiet,
		Retention: o.Retention, Limiter: limits})

	unary, stream := auth.ServerInterceptors(d.Verifier, service.Callers())
	srv, hs := grpcx.NewServer(grpcx.Options{
		Logger:             d.Logger,
		UnaryInterceptors:  unary,
		StreamInterceptors: stream,
	})
	api := grpcapi.New(svc)
	pb.RegisterNotificationServiceServer(srv, api)
	pb.RegisterAnswerServiceServer(srv, api)

	sendEvery, sweepEvery := or0(o.SendInterval, time.Second), or0(o.SweepInterval, 5*time.Minute)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { svc.RunSender(gctx, sendEvery); return nil })
	g.Go(func() error { svc.RunSweeps(gctx, sweepEvery); return nil })
	for _, c := range []struct {
		stream, durable, filter string
		h                       events.Handler
	}{
		{events.StreamMentoring, MentoringDurable, "mentoring.pair.>", svc.HandleMentoring},
		{events.StreamDinners, DinnersDurable, "dinners.seating.>", svc.HandleDinners},
		{events.StreamGuides, GuidesDurable, events.AssignmentChanged, svc.HandleGuides},
		// Only erasures: notify keeps nothing else about people, so the
		// registrations and updates of every create would cost it a
		// delivery, a processed-id write and an ack each for nothing
		// (docs/adr/0014-notify-hears-only-erasures.md).
		{events.StreamParticipants, ParticipantsDurable, events.ParticipantErased, svc.HandlePeople},
		{events.StreamVolunteers, VolunteersDurable, events.VolunteerErased, svc.HandlePeople},
	} {
		g.Go(func() error {
			return events.RunDurable(gctx, d.JS, events.Durable{
				Consumer: events.ConsumerConfig{Stream: c.stream, Durable: c.durable, FilterSubjects: []string{c.filter}, Concurrency: 4},
				Handler:  c.h, Logger: d.Logger, Options: []events.Option{events.WithKeyring(d.Keyring)},
				Replicas: d.Replicas,
			})
		})
	}
	if o.BounceAddr != "" {
		g.Go(func() error {
			return bounce.Serve(gctx, o.BounceAddr, bounce.Handler(svc, o.BounceSecret, d.Logger), d.Logger, o.BounceReady)
		})
	}
	g.Go(func() error { return service.Serve(gctx, "notify", addr, srv, hs, d, ready) })
	return g.Wait()
}

func or0(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// leaseOwner names this replica in message leases: its host and listen
// address, which the same replica started again keeps (make restart
// P=notify-1 after a kill -9, a container restarted in its pod), so it
// takes back at once the messages its killed predecessor held (the
// sender skips its own leases only while it sends them). With a random
// name a message held at a kill -9 waited the whole lease (2 minutes)
// after the restart, and the person's later messages behind it (ADR
// 0190). An address on port 0 is no name: two replicas could share it,
// so they get a random one.
func leaseOwner(addr string) string {
	host, _ := os.Hostname()
	if _, port, err := net.SplitHostPort(addr); err == nil && port != "0" && port != "" {
		return "notify@" + host + "/" + addr
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "notify-" + hex.EncodeToString(b)
}
