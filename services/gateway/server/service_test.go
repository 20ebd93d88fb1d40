package server_test

import (
	"github.com/motesplats/motesplats/pkg/auth"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"

	"google.golang.org/grpc"
	"time"
)

// serviceClient is a volunteers client with an admin token, for setting up
// what the gateway has no screens for.
func (e *env) serviceClient() volunteersv1.VolunteerServiceClient {
	e.t.Helper()
	creds := auth.PerRPCCredentials(auth.SignerSource(auth.NewSigner(e.key, "local", time.Now),
		auth.Claims{Subject: "test-admin", Role: auth.RoleAdmin}, time.Minute))
	conn, err := grpcx.Dial(e.addrs.Volunteers, grpc.WithPerRPCCredentials(creds))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = conn.Close() })
	return volunteersv1.NewVolunteerServiceClient(conn)
}
