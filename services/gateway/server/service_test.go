package server_test

import (
	"time"

	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/auth"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
)

// adminConn dials the service at addr with an admin token, closed when
// the test ends.
func (e *env) adminConn(addr string) *grpc.ClientConn {
	e.t.Helper()
	now := time.Now
	if e.clock != nil {
		now = e.clock.Now // the services check tokens on the env's clock
	}
	creds := auth.PerRPCCredentials(auth.SignerSource(auth.NewSigner(e.key, "local", now),
		auth.Claims{Subject: "test-admin", Role: auth.RoleAdmin}, time.Minute))
	conn, err := grpcx.Dial(addr, grpc.WithPerRPCCredentials(creds))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// serviceClient is a volunteers client with an admin token, for setting up
// what the gateway has no screens for.
func (e *env) serviceClient() volunteersv1.VolunteerServiceClient {
	return volunteersv1.NewVolunteerServiceClient(e.adminConn(e.addrs.Volunteers))
}

// participantsClient is a participants client with an admin token, for
// planting what the gateway refuses to record (the demo data's old
// consents, written by the seed straight to the service).
func (e *env) participantsClient() participantsv1.ParticipantServiceClient {
	return participantsv1.NewParticipantServiceClient(e.adminConn(e.addrs.Participants))
}
