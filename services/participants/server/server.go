// Package server wires the participants service: its bucket, cache, event
// stream and gRPC server. The service's own main and the embedded stack
// both run it, so the two run modes share one wiring.
package server

import (
	"context"
	"fmt"
	"net"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/blind"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/participants/internal/grpcapi"
	"github.com/motesplats/motesplats/services/participants/internal/participant"
)

// DefaultAddr is where the service listens unless told otherwise; it comes
// from pkg/service so the stack and the gateway agree on it.
var DefaultAddr = service.Participants.Addr

// MaxRecvMsgSize lets oversized fields (a 10 MB name) reach validation, so
// the caller gets a field violation rather than a transport error.
const MaxRecvMsgSize = 12 << 20

// Options are the service's own settings. It has none to read from the
// environment yet; the struct exists so every service's Run has one shape.
type Options struct {
	// StoreHooks inject faults in tests (the crash test); nil in production.
	StoreHooks *store.Hooks
}

// Run serves the participants service on addr until ctx ends. ready, if not
// nil, is called with the listening address once the service accepts calls.
func Run(ctx context.Context, addr string, d service.Deps, o Options, ready func(net.Addr)) error {
	d = d.WithDefaults()
	if err := events.EnsureStream(ctx, d.JS, events.StreamConfig{
		Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}, Replicas: d.Replicas,
	}); err != nil {
		return fmt.Errorf("participants: stream: %w", err)
	}
	names, err := blind.FromKeyring(ctx, d.Keyring, "participants")
	if err != nil {
		return fmt.Errorf("participants: %w", err)
	}
	cfg := participant.RepoConfig(events.NewPublisher(d.JS))
	participant.IndexNames(&cfg, names)
	cfg.Replicas, cfg.Logger, cfg.Hooks, cfg.Keyring = d.Replicas, d.Logger, o.StoreHooks, d.Keyring
	cfg.BeforePurge = func(ctx context.Context, id string) error {
		return events.PurgeSubjectID(ctx, d.JS, events.StreamParticipants, "participants", id)
	}
	cfg.AfterPurge = func(ctx context.Context, id string) error {
		return events.PurgeSubjectIDExcept(ctx, d.JS, events.StreamParticipants, "participants", id, events.ParticipantErased)
	}
	repo, err := store.Open(ctx, d.JS, cfg)
	if err != nil {
		return fmt.Errorf("participants: %w", err)
	}
	defer repo.Close()
	// Ids of no one are remembered as records are, so that another
	// scope's record and no record cost the caller alike: ids are
	// server-made UUIDv7, unknown to anyone before the record exists
	// (ADR 0235).
	c := cache.New(d.Cache, cache.Options{Name: "participants", Prefix: "participants:", Logger: d.Logger,
		Absent: store.ErrNotFound, AbsentLike: participant.AbsentLike()})
	svc := participant.New(repo, c, d.Now, d.IDs)
	if d.Keyring != nil {
		// New participants' keys are written ahead, in batches, off the
		// create's path (docs/adr/0034-one-write-per-create.md).
		pool := d.Keyring.NewPool(d.IDs.New, seal.PoolOptions{})
		defer pool.Close()
		svc.RecordIDs(pool)
	}
	svc.SearchNames(names)
	// Which organisations stand, from the volunteers' events: a newcomer
	// is registered in or moved to no other (docs/adr/0202).
	orgs, err := participant.OpenOrganisations(ctx, d.JS, d.Keyring, d.Logger)
	if err != nil {
		return fmt.Errorf("participants: organisations: %w", err)
	}
	defer orgs.Close()
	svc.CheckOrganisations(orgs)

	unary, stream := auth.ServerInterceptors(d.Verifier, service.Callers())
	srv, hs := grpcx.NewServer(grpcx.Options{
		Logger:             d.Logger,
		UnaryInterceptors:  unary,
		StreamInterceptors: stream,
		MaxRecvMsgSize:     MaxRecvMsgSize,
	})
	pb.RegisterParticipantServiceServer(srv, grpcapi.New(svc))
	return service.Serve(ctx, "participants", addr, srv, hs, d, ready)
}
