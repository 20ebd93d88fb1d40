// Package backend is the gateway's side of the services: gRPC clients that
// carry the caller's identity as a short-lived signed token, and the joined
// views the gateway assembles from several services and caches.
//
// Personal records are always read from their service with the caller's
// token, so the service filters by the caller's scope itself. What the
// gateway caches are the joins that do not depend on the caller (an
// organisation's name, the names of a pair's two people); they are loaded
// with the gateway's own service identity, kept for a short TTL, dropped
// when an event says the source changed, and only ever shown next to
// records the caller's own token already fetched.
package backend

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/events"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/services/gateway/internal/bounds"
)

// tokenTTL is the life of a per-request service token: long enough for one
// request's calls, short enough that a leaked one is soon useless.
const tokenTTL = time.Minute

// Addrs are the services' gRPC addresses.
type Addrs struct {
	Participants, Volunteers, Mentoring string
	// Notify is the notify service; empty turns the answer page, the
	// development mailbox and delivery status off.
	Notify string
	// Dinners is the dinners service; empty turns the dinner pages off.
	Dinners string
	// Guides is the guides service; empty turns the guide pages off.
	Guides string
}

// Backend holds the service clients and the view cache.
type Backend struct {
	Participants participantsv1.ParticipantServiceClient
	Volunteers   volunteersv1.VolunteerServiceClient
	// Mentoring is nil when no mentoring address is configured.
	Mentoring mentoringv1.MentoringServiceClient
	// Notifications and Answers are the notify service's, nil when no
	// notify address is configured. Answers is called with the gateway's
	// own identity for a visitor holding an answer link (no account).
	Notifications notifyv1.NotificationServiceClient
	Answers       notifyv1.AnswerServiceClient
	// Dinners is nil when no dinners address is configured.
	Dinners dinnersv1.DinnerServiceClient
	// Guides is nil when no guides address is configured.
	Guides guidesv1.GuideServiceClient

	signer *auth.Signer
	self   auth.TokenSource
	cache  *cache.Cache
	conns  []*grpc.ClientConn
	log    *slog.Logger
}

// New dials the services (lazily: gRPC connects on first use) and returns
// a Backend. key signs the per-user tokens; keyID names it.
func New(addrs Addrs, key ed25519.PrivateKey, keyID string, now func() time.Time, backend cache.Backend, log *slog.Logger) (*Backend, error) {
	signer := auth.NewSigner(key, keyID, now)
	b := &Backend{
		signer: signer,
		self:   auth.SignerSource(signer, auth.Claims{Subject: "gateway", Role: auth.RoleService, Issuer: "gateway"}, 5*time.Minute),
		cache:  cache.New(backend, cache.Options{Name: "gateway", Prefix: "gateway:", TTL: 5 * time.Minute, Logger: log}),
		log:    log,
	}
	dial := func(addr string) (*grpc.ClientConn, error) {
		c, err := grpcx.Dial(addr, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(b.self)), grpc.WithChainUnaryInterceptor(checkBounds))
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		b.conns = append(b.conns, c)
		return c, nil
	}
	pc, err := dial(addrs.Participants)
	if err != nil {
		return nil, err
	}
	vc, err := dial(addrs.Volunteers)
	if err != nil {
		b.Close()
		return nil, err
	}
	if addrs.Mentoring != "" {
		mc, err := dial(addrs.Mentoring)
		if err != nil {
			b.Close()
			return nil, err
		}
		b.Mentoring = mentoringv1.NewMentoringServiceClient(mc)
	}
	if addrs.Notify != "" {
		nc, err := dial(addrs.Notify)
		if err != nil {
			b.Close()
			return nil, err
		}
		b.Notifications, b.Answers = notifyv1.NewNotificationServiceClient(nc), notifyv1.NewAnswerServiceClient(nc)
	}
	if addrs.Dinners != "" {
		dc, err := dial(addrs.Dinners)
		if err != nil {
			b.Close()
			return nil, err
		}
		b.Dinners = dinnersv1.NewDinnerServiceClient(dc)
	}
	if addrs.Guides != "" {
		gc, err := dial(addrs.Guides)
		if err != nil {
			b.Close()
			return nil, err
		}
		b.Guides = guidesv1.NewGuideServiceClient(gc)
	}
	b.Participants = participantsv1.NewParticipantServiceClient(pc)
	b.Volunteers = volunteersv1.NewVolunteerServiceClient(vc)
	return b, nil
}

// checkBounds refuses, before it is sent, a request with a list over its
// cap or text that is not UTF-8 (from a web form): the services never see
// it, and the caller gets InvalidArgument naming the field rather than a
// marshalling failure.
func checkBounds(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if m, ok := req.(proto.Message); ok {
		if err := bounds.Check(m); err != nil {
			return err
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// Close closes the connections.
func (b *Backend) Close() {
	for _, c := range b.conns {
		_ = c.Close()
	}
}

// As returns ctx whose outgoing calls carry a token signed for c: the
// services then filter by the caller's scope, not the gateway's.
func (b *Backend) As(ctx context.Context, c auth.Claims) (context.Context, error) {
	tok, err := b.signer.Sign(c, tokenTTL)
	if err != nil {
		return nil, fmt.Errorf("sign caller token: %w", err)
	}
	return auth.OutgoingContext(ctx, tok), nil
}

// Cache keys of the views. Each names the source record, so the event
// about that record evicts exactly it. (The person views gained languages
// and interests under the same keys: an entry cached before lacks them
// until its TTL, and a pair's explanation then says "a common language"
// without naming it.)
func orgKey(id string) string         { return "organisation/" + id }
func participantKey(id string) string { return "participant/" + id }
func volunteerKey(id string) string   { return "volunteer/" + id }

// OrganisationName returns an organisation's name (not personal data),
// cached. No id gives "" and no error; the volunteers service's error is
// returned as it came (NotFound for an organisation removed), for the
// caller to sort as a person's lookup is sorted (core.found, ADR 0188).
func (b *Backend) OrganisationName(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	o, err := cache.GetProto(ctx, b.cache, orgKey(id), func() *volunteersv1.Organisation { return &volunteersv1.Organisation{} },
		func(ctx context.Context) (*volunteersv1.Organisation, error) {
			res, err := b.Volunteers.GetOrganisation(ctx, &volunteersv1.GetOrganisationRequest{Id: id})
			if err != nil {
				return nil, err
			}
			return &volunteersv1.Organisation{Id: id, Name: res.GetOrganisation().GetName()}, nil
		})
	if err != nil {
		return "", err
	}
	return o.GetName(), nil
}

// ParticipantName returns a participant's display name for joined views (a
// pair, a proposal). Callers show it only next to a record the caller's
// token fetched, which proves the caller may see the pair (ADR 0019).
func (b *Backend) ParticipantName(ctx context.Context, id string) (string, error) {
	p, err := b.ParticipantView(ctx, id)
	if err != nil {
		return "", err
	}
	return join(p.GetGivenName(), p.GetFamilyName()), nil
}

// ParticipantView returns the cached part of a participant that joined
// views show: name, organisation, municipality, languages and interests
// (a pair's explanation names the languages and interests the two share),
// and when they were registered (which tells namesakes apart).
// The same rule as ParticipantName applies to showing it.
func (b *Backend) ParticipantView(ctx context.Context, id string) (*participantsv1.Participant, error) {
	return cache.GetProto(ctx, b.cache, participantKey(id), func() *participantsv1.Participant { return &participantsv1.Participant{} },
		func(ctx context.Context) (*participantsv1.Participant, error) {
			res, err := b.Participants.GetParticipant(ctx, &participantsv1.GetParticipantRequest{Id: id})
			if err != nil {
				return nil, err
			}
			p := res.GetParticipant()
			return &participantsv1.Participant{Id: id, GivenName: p.GetGivenName(), FamilyName: p.GetFamilyName(),
				OrganisationId: p.GetOrganisationId(), MunicipalityCode: p.GetMunicipalityCode(),
				Languages: p.GetLanguages(), Interests: p.GetInterests(), CreateTime: p.GetCreateTime()}, nil
		})
}

// VolunteerName is ParticipantName for volunteers.
func (b *Backend) VolunteerName(ctx context.Context, id string) (string, error) {
	v, err := b.VolunteerView(ctx, id)
	if err != nil {
		return "", err
	}
	return join(v.GetGivenName(), v.GetFamilyName()), nil
}

// VolunteerView is ParticipantView for volunteers, registration included
// (two mentors of one name among proposals, ADR 0170).
func (b *Backend) VolunteerView(ctx context.Context, id string) (*volunteersv1.Volunteer, error) {
	return cache.GetProto(ctx, b.cache, volunteerKey(id), func() *volunteersv1.Volunteer { return &volunteersv1.Volunteer{} },
		func(ctx context.Context) (*volunteersv1.Volunteer, error) {
			res, err := b.Volunteers.GetVolunteer(ctx, &volunteersv1.GetVolunteerRequest{Id: id})
			if err != nil {
				return nil, err
			}
			v := res.GetVolunteer()
			return &volunteersv1.Volunteer{Id: id, GivenName: v.GetGivenName(), FamilyName: v.GetFamilyName(),
				OrganisationId: v.GetOrganisationId(), MunicipalityCode: v.GetMunicipalityCode(),
				Languages: v.GetLanguages(), Interests: v.GetInterests(), CreateTime: v.GetCreateTime()}, nil
		})
}

// ForgetParticipant drops the cached views of a participant now, for a
// removal or erasure the caller just made: the event that evicts them
// everywhere may take a moment, and an erased name must not show meanwhile.
func (b *Backend) ForgetParticipant(ctx context.Context, id string) {
	_ = b.cache.Invalidate(context.WithoutCancel(ctx), participantKey(id), participantNameKey(id))
}

// ForgetVolunteer is ForgetParticipant for volunteers.
func (b *Backend) ForgetVolunteer(ctx context.Context, id string) {
	_ = b.cache.Invalidate(context.WithoutCancel(ctx), volunteerKey(id), volunteerNameKey(id))
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + " " + b
}

// invalidation maps an event to the cache keys it makes stale.
func invalidation(env *eventsv1.Envelope) []string {
	id := env.GetSubjectId()
	if id == "" {
		return nil
	}
	switch t := env.GetType(); {
	case hasPrefix(t, events.ParticipantPrefix):
		return []string{participantKey(id), participantNameKey(id)}
	case hasPrefix(t, events.VolunteerPrefix):
		return []string{volunteerKey(id), volunteerNameKey(id)}
	case hasPrefix(t, events.OrganisationPrefix):
		return []string{orgKey(id)}
	}
	return nil
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// Invalidate follows the producers' streams from now on and evicts the
// views their events make stale, until ctx ends. Every replica runs its
// own ordered (non-durable) consumer, because every replica's in-process
// cache needs every eviction; with Redis the evictions repeat harmlessly.
// A missed event costs at most the TTL of stale data.
//
// Each consumer follows only the stream's events.Changes: a registered or
// created event names a new id, which no cache entry can hold yet (a failed
// load is not cached, and no key here lists or counts records), so those
// events are never delivered here.
func (b *Backend) Invalidate(ctx context.Context, js jetstream.JetStream, streams []string) error {
	for _, s := range streams {
		cons, err := js.OrderedConsumer(ctx, s, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy,
			FilterSubjects: events.Changes(s), InactiveThreshold: events.OrderedInactive})
		if err != nil {
			return fmt.Errorf("invalidate %s: %w", s, err)
		}
		cc, err := cons.Consume(func(m jetstream.Msg) {
			env := &eventsv1.Envelope{}
			if proto.Unmarshal(m.Data(), env) != nil {
				return
			}
			if keys := invalidation(env); len(keys) > 0 {
				_ = b.cache.Invalidate(context.WithoutCancel(ctx), keys...)
			}
		})
		if err != nil {
			return fmt.Errorf("invalidate %s: %w", s, err)
		}
		defer func() {
			cc.Stop()
			// A stopped gateway leaves no consumer listed on the stream.
			if err := events.DropOrdered(js, s, cons); err != nil {
				b.log.Debug("invalidate: consumer not deleted; it goes by itself", "stream", s, "err", err)
			}
		}()
	}
	<-ctx.Done()
	return nil
}
