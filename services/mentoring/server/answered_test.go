package server_test

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/auth"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestAnsweredByNamesWhoRecordedEachAnswer: each party's answer keeps who
// recorded it, the answer link (notify's subject) or a coordinator, and a
// later change does not overwrite it (updated_by does): the gateway's pair
// history reads it instead of inferring (docs/adr/0094).
func TestAnsweredByNamesWhoRecordedEachAnswer(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	e.seed(ctx, population(5, 12, 15))
	c := e.as(coordA)
	link := e.as(auth.Claims{Subject: auth.AnswerLinkSubject, Role: auth.RoleService, Issuer: "notify"})

	job := e.runJob(ctx, c, "answered-1")
	ps := pairsOf(ctx, t, c, job.GetId())
	if len(ps) < 2 {
		t.Fatalf("%d proposals, want 2 or more", len(ps))
	}
	accepted, declined := ps[0].GetId(), ps[1].GetId()
	for _, id := range []string{accepted, declined} {
		if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := link.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: accepted, Party: eventsv1.Party_PARTY_NEWCOMER}); err != nil {
		t.Fatalf("accept by link: %v", err)
	}
	res, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: accepted, Party: eventsv1.Party_PARTY_MENTOR})
	if err != nil {
		t.Fatal(err)
	}
	p := res.GetPair()
	if p.GetStatus() != eventsv1.PairStatus_PAIR_STATUS_ACTIVE || p.GetNewcomerAnsweredBy() != auth.AnswerLinkSubject ||
		p.GetMentorAnsweredBy() != coordA.Subject || p.GetUpdatedBy() != coordA.Subject {
		t.Errorf("accepted pair: status %s, newcomer answered by %q, mentor by %q, updated by %q; want active, %q, %q, %q",
			p.GetStatus(), p.GetNewcomerAnsweredBy(), p.GetMentorAnsweredBy(), p.GetUpdatedBy(), auth.AnswerLinkSubject, coordA.Subject, coordA.Subject)
	}

	dres, err := link.DeclineOffer(ctx, &pb.DeclineOfferRequest{Id: declined, Party: eventsv1.Party_PARTY_MENTOR,
		Reason: eventsv1.DeclineReason_DECLINE_REASON_NO_TIME})
	if err != nil {
		t.Fatalf("decline by link: %v", err)
	}
	if p := dres.GetPair(); p.GetMentorAnsweredBy() != auth.AnswerLinkSubject || p.GetNewcomerAnsweredBy() != "" {
		t.Errorf("declined pair: mentor answered by %q, newcomer by %q; want %q and none", p.GetMentorAnsweredBy(),
			p.GetNewcomerAnsweredBy(), auth.AnswerLinkSubject)
	}
	// Stored, not only in the reply.
	got, err := c.GetPair(ctx, &pb.GetPairRequest{Id: accepted})
	if err != nil || got.GetPair().GetNewcomerAnsweredBy() != auth.AnswerLinkSubject {
		t.Errorf("stored pair: newcomer answered by %q, %v; want %q", got.GetPair().GetNewcomerAnsweredBy(), err, auth.AnswerLinkSubject)
	}
}
