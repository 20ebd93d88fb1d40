package server_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
)

// TestUnseatedPartiesNameTheirNewcomer: each party ListUnseated lists
// carries its sign-up's newcomer (participant_id), the one GetSignUp shows
// the same caller, so the gateway names a page in one call instead of
// reading or listing the sign-ups (ADR 0228). The id follows the sign-up's
// scope: the job's own coordinator and an administrator get it; a
// coordinator of another municipality or organisation and an operator get
// no party at all, as GetSignUp tells them nothing of the sign-up. The
// stored result does not hold it (it is read from the sign-up held, so
// results stored before have it, and an erasure has one copy less to
// redact).
func TestUnseatedPartiesNameTheirNewcomer(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2"}, []string{"h-1"})
	e.people(ctx, orgA, "0184", []string{"g-3"}, nil)
	c := e.as(coordA)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(5)))
	signUps := []*pb.SignUp{
		e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(9))), // no dinner that day
		e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 2, date(10))),
		e.mustSignUp(ctx, c, signUp("g-3", orgA, "0184", 1, date(9))),
	}
	job := e.runJob(ctx, c, "unseated-person", "0180", "0184")

	for _, who := range []struct {
		name string
		c    pb.DinnerServiceClient
	}{{"coordinator", c}, {"admin", e.as(admin)}} {
		un, err := who.c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: job.GetId()})
		if err != nil {
			t.Fatalf("%s: %v", who.name, err)
		}
		got := map[string]string{}
		for _, u := range un.GetUnseated() {
			got[u.GetSignUpId()] = u.GetParticipantId()
		}
		for _, s := range signUps {
			res, err := who.c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: s.GetId()})
			if err != nil {
				t.Fatalf("%s: GetSignUp %s: %v", who.name, s.GetId(), err)
			}
			if want := res.GetSignUp().GetParticipantId(); got[s.GetId()] != want {
				t.Errorf("%s: party of sign-up %s names %q, want %q as GetSignUp shows", who.name, s.GetId(), got[s.GetId()], want)
			}
		}
	}
	// Outside the sign-ups' scope: nothing of the job, as nothing of each
	// sign-up (NotFound, or PermissionDenied for a role that sees no one).
	for _, who := range []struct {
		name      string
		c         pb.DinnerServiceClient
		list, get codes.Code
	}{{"coordinator of another municipality", e.as(coordA2), codes.NotFound, codes.NotFound},
		{"coordinator of another organisation", e.as(coordB), codes.NotFound, codes.NotFound},
		{"operator", e.as(operator), codes.NotFound, codes.PermissionDenied}} {
		un, err := who.c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: job.GetId()})
		if code(err) != who.list || len(un.GetUnseated()) != 0 {
			t.Errorf("%s: ListUnseated %v, %d parties; want %v and none", who.name, err, len(un.GetUnseated()), who.list)
		}
		for _, s := range signUps {
			if _, err := who.c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: s.GetId()}); code(err) != who.get {
				t.Errorf("%s: GetSignUp %s: %v, want %v", who.name, s.GetId(), err, who.get)
			}
		}
	}

	store, err := e.nats.JS.ObjectStore(ctx, "dinners_job_data")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := store.GetBytes(ctx, job.GetId()+".result")
	if err != nil {
		t.Fatal(err)
	}
	var res pb.JobResult
	if err := proto.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.GetUnseated()) != len(signUps) {
		t.Fatalf("stored result: %d parties, want %d", len(res.GetUnseated()), len(signUps))
	}
	for _, u := range res.GetUnseated() {
		if u.GetParticipantId() != "" {
			t.Errorf("stored party %s holds newcomer %q, want none stored", u.GetSignUpId(), u.GetParticipantId())
		}
	}
}
