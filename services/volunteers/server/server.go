// Package server wires the volunteers service: its buckets, cache, event
// stream and gRPC server. The service's own main and the embedded stack
// both run it, so the two run modes share one wiring.
package server

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"

	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/blind"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/volunteers/internal/grpcapi"
	"github.com/motesplats/motesplats/services/volunteers/internal/organisation"
	"github.com/motesplats/motesplats/services/volunteers/internal/volunteer"
)

// DefaultAddr is where the service listens unless told otherwise; it comes
// from pkg/service so the stack and the gateway agree on it.
var DefaultAddr = service.Volunteers.Addr

// MaxRecvMsgSize lets oversized fields (a 10 MB name) reach validation, so
// the caller gets a field violation rather than a transport error.
const MaxRecvMsgSize = 12 << 20

// Options are the service's own settings; the struct exists so every
// service's Run has one shape and a setting is a field, not a new
// parameter at every caller.
type Options struct {
	// StoreHooks inject faults into the volunteers' repository in tests
	// (a writer that dies before a move's check); nil in production.
	StoreHooks *store.Hooks
	// Hooks, when not nil, are called at points of a volunteer's update,
	// so a crash test can kill the process exactly there. Nil in
	// production.
	Hooks *Hooks
}

// Hooks are the points of a volunteer's move a crash test stops the
// process at (docs/adr/0157). Each may be nil.
type Hooks struct {
	// BeforeMoveCheck runs once a move to organisation org is stored and
	// before the check that may undo it (ADR 0152).
	BeforeMoveCheck func(volunteer, org string)
	// BeforeUpdateAnswer runs once an UpdateVolunteer is done (stood or
	// undone), before its answer, err, is sent.
	BeforeUpdateAnswer func(err error)
}

// Run serves the volunteers service on addr until ctx ends. ready, if not
// nil, is called with the listening address once the service accepts calls.
func Run(ctx context.Context, addr string, d service.Deps, o Options, ready func(net.Addr)) error {
	d = d.WithDefaults()
	if err := events.EnsureStream(ctx, d.JS, events.StreamConfig{
		Name: events.StreamVolunteers, Subjects: []string{events.VolunteersSubjects}, Replicas: d.Replicas,
	}); err != nil {
		return fmt.Errorf("volunteers: stream: %w", err)
	}
	pub := events.NewPublisher(d.JS)

	names, err := blind.FromKeyring(ctx, d.Keyring, "volunteers")
	if err != nil {
		return fmt.Errorf("volunteers: %w", err)
	}
	vcfg := volunteer.RepoConfig(pub)
	volunteer.IndexNames(&vcfg, names)
	vcfg.Replicas, vcfg.Logger, vcfg.Keyring, vcfg.Hooks = d.Replicas, d.Logger, d.Keyring, o.StoreHooks
	vcfg.BeforePurge = func(ctx context.Context, id string) error {
		return events.PurgeSubjectID(ctx, d.JS, events.StreamVolunteers, "volunteers", id)
	}
	vcfg.AfterPurge = func(ctx context.Context, id string) error {
		return events.PurgeSubjectIDExcept(ctx, d.JS, events.StreamVolunteers, "volunteers", id, events.VolunteerErased)
	}
	// A new volunteer's organisation must still stand once the volunteer
	// is stored (organisation/closing.go); osvc is set before serving.
	var open atomic.Pointer[organisation.Service]
	stillOpen := func(ctx context.Context, v *pb.Volunteer) error {
		osvc := open.Load()
		if osvc == nil {
			return apperr.Errorf(apperr.Unavailable, "the organisation could not be checked; try again")
		}
		return osvc.StillOpen(ctx, v.GetOrganisationId())
	}
	vcfg.Confirm = stillOpen
	// So must the organisation a volunteer moves to, once the move is
	// stored (ADR 0152). Only a move is checked: it alone keeps the
	// volunteer as they were in its entry until the check is made, for
	// the relay when its writer dies first (ADR 0156); an update that
	// keeps the organisation reads nothing and stores nothing more.
	vcfg.ConfirmUpdate = func(ctx context.Context, _, after *pb.Volunteer) error {
		if o.Hooks != nil && o.Hooks.BeforeMoveCheck != nil {
			o.Hooks.BeforeMoveCheck(after.GetId(), after.GetOrganisationId())
		}
		return stillOpen(ctx, after)
	}
	vcfg.CheckUpdate = func(before, after *pb.Volunteer) bool {
		return before.GetOrganisationId() != after.GetOrganisationId()
	}
	vols, err := store.Open(ctx, d.JS, vcfg)
	if err != nil {
		return fmt.Errorf("volunteers: %w", err)
	}
	defer vols.Close()
	ocfg := organisation.RepoConfig(pub)
	ocfg.Replicas, ocfg.Logger = d.Replicas, d.Logger
	// One organisation per name (ADR 0258): a stored create or rename is
	// checked against the name claims before it is published.
	orgNames, err := organisation.OpenNames(ctx, d.JS, d.Replicas)
	if err != nil {
		return fmt.Errorf("volunteers: %w", err)
	}
	orgNames.Check(&ocfg)
	orgs, err := store.Open(ctx, d.JS, ocfg)
	if err != nil {
		return fmt.Errorf("volunteers: %w", err)
	}
	defer orgs.Close()
	orgNames.Bind(orgs)

	closing, err := organisation.OpenClosing(ctx, d.JS, d.Replicas, d.Now)
	if err != nil {
		return fmt.Errorf("volunteers: %w", err)
	}
	osvc := organisation.New(orgs,
		cache.New(d.Cache, cache.Options{Name: "organisations", Prefix: "organisations:", Logger: d.Logger}),
		d.Now, d.IDs, volunteer.HasVolunteers(vols))
	osvc.MarkClosing(closing)
	osvc.CheckNames(orgNames)
	open.Store(osvc)
	vsvc := volunteer.New(vols,
		// Ids of no one remembered as records are (ADR 0235, as participants).
		cache.New(d.Cache, cache.Options{Name: "volunteers", Prefix: "volunteers:", Logger: d.Logger,
			Absent: store.ErrNotFound, AbsentLike: volunteer.AbsentLike()}),
		osvc, d.Now, d.IDs)
	vsvc.SearchNames(names)
	if d.Keyring != nil {
		// New volunteers' keys are written ahead, in batches, off the
		// create's path (docs/adr/0034-one-write-per-create.md).
		pool := d.Keyring.NewPool(d.IDs.New, seal.PoolOptions{})
		defer pool.Close()
		vsvc.RecordIDs(pool)
	}

	unary, stream := auth.ServerInterceptors(d.Verifier, service.Callers())
	if o.Hooks != nil && o.Hooks.BeforeUpdateAnswer != nil {
		unary = append(unary, beforeUpdateAnswer(o.Hooks.BeforeUpdateAnswer))
	}
	srv, hs := grpcx.NewServer(grpcx.Options{
		Logger:             d.Logger,
		UnaryInterceptors:  unary,
		StreamInterceptors: stream,
		MaxRecvMsgSize:     MaxRecvMsgSize,
	})
	pb.RegisterVolunteerServiceServer(srv, grpcapi.New(vsvc, osvc))
	return service.Serve(ctx, "volunteers", addr, srv, hs, d, ready)
}

// beforeUpdateAnswer calls hook with UpdateVolunteer's outcome before
// the answer goes back.
func beforeUpdateAnswer(hook func(error)) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		res, err := h(ctx, req)
		if info.FullMethod == pb.VolunteerService_UpdateVolunteer_FullMethodName {
			hook(err)
		}
		return res, err
	}
}
