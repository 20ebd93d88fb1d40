package server_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/internal/pairs"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestErasureReachesStoredResults: after a volunteer and a newcomer are
// erased, no stored job result or other pair's alternatives names them,
// with or without their score parts (pairs.Redact's own test covers the
// snapshots a failed job keeps). Before the
// erasure they are there, so the test can fail.
func TestErasureReachesStoredResults(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	// In clear: the test reads the stored result's bytes (sealed job
	// data has its own tests in pkg/jobs).
	e := startEnvSealed(t, 1, server.Options{}, false)
	e.seed(ctx, population(31, 60, 10)) // more newcomers than slots: many wait with eligible mentors
	c := e.as(coordA)
	job := e.runJob(ctx, c, "erase-results")

	un := unmatchedOf(ctx, t, c, job.GetId())
	var newcomer, mentor string
	for _, u := range un {
		if u.GetReason() == pb.UnmatchedReason_UNMATCHED_REASON_MENTORS_FULL && len(u.GetEligible()) > 0 {
			newcomer = u.GetParticipantId()
			break
		}
	}
	ps := pairsOf(ctx, t, c, job.GetId())
	for _, p := range ps {
		for _, a := range p.GetAlternatives() {
			if mentor == "" && a.GetVolunteerId() != p.GetVolunteerId() && eligibleSomewhere(un, a.GetVolunteerId()) {
				mentor = a.GetVolunteerId()
			}
		}
	}
	if newcomer == "" || mentor == "" {
		t.Fatalf("population gives no unmatched newcomer (%q) or alternative mentor also eligible elsewhere (%q)", newcomer, mentor)
	}
	raw := storedResult(ctx, t, e, job.GetId())
	if !bytes.Contains(raw, []byte(newcomer)) || !bytes.Contains(raw, []byte(mentor)) {
		t.Fatal("the stored result does not name the two people before their erasure")
	}

	e.publishAll(ctx, []*eventsv1.Envelope{
		envelope(t, events.ParticipantErased, newcomer, &eventsv1.ParticipantErased{ParticipantId: newcomer}),
		envelope(t, events.VolunteerErased, mentor, &eventsv1.VolunteerErased{VolunteerId: mentor}),
	})
	settled(ctx, t, e)

	raw = storedResult(ctx, t, e, job.GetId())
	for _, id := range []string{newcomer, mentor} {
		if bytes.Contains(raw, []byte(id)) {
			t.Errorf("the stored result still names erased %s", id)
		}
	}
	res := &pb.JobResult{}
	if err := proto.Unmarshal(raw, res); err != nil || len(res.GetUnmatched()) != len(un)-1 {
		t.Errorf("result holds %d unmatched (%v), want the %d others", len(res.GetUnmatched()), err, len(un)-1)
	}
	for _, p := range pairsOf(ctx, t, c, job.GetId()) {
		if p.GetVolunteerId() == mentor || p.GetParticipantId() == newcomer {
			t.Errorf("pair %s of an erased person is still there", p.GetId())
		}
		if slices.ContainsFunc(p.GetAlternatives(), func(a *pb.Candidate) bool { return a.GetVolunteerId() == mentor }) {
			t.Errorf("pair %s still offers erased %s as an alternative", p.GetId(), mentor)
		}
	}
	for _, u := range unmatchedOf(ctx, t, c, job.GetId()) {
		if u.GetParticipantId() == newcomer || eligibleSomewhere([]*pb.UnmatchedNewcomer{u}, mentor) {
			t.Errorf("ListUnmatched still shows an erased person: %v", u)
		}
	}
}

// TestErasureReachesAResultWrittenLater: a job has proposed and encoded
// its result when an unmatched newcomer and a mentor eligible for another
// are erased; the erasure is handled (its Forget finds no result yet to
// redact) before the job stores the result, which then names neither
// (ADR 0130). Two replicas, so the job and the erasure may run on
// different ones. A job with the same input, run without erasures,
// stores a result naming both, so the test can fail.
func TestErasureReachesAResultWrittenLater(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	pop := population(31, 60, 10)
	// In clear, as above: the results' bytes are read.
	free := startEnvSealed(t, 1, server.Options{}, false)
	free.seed(ctx, pop)
	base := free.runJob(ctx, free.as(coordA), "late-result")
	un := unmatchedOf(ctx, t, free.as(coordA), base.GetId())
	var newcomer, mentor string
	for _, u := range un {
		if len(u.GetEligible()) > 0 && newcomer == "" {
			newcomer = u.GetParticipantId()
		} else if len(u.GetEligible()) > 0 && mentor == "" {
			mentor = u.GetEligible()[0].GetVolunteerId()
		}
	}
	if newcomer == "" || mentor == "" {
		t.Fatalf("population gives no two unmatched newcomers with eligible mentors (%q, %q)", newcomer, mentor)
	}
	if raw := storedResult(ctx, t, free, base.GetId()); !bytes.Contains(raw, []byte(newcomer)) || !bytes.Contains(raw, []byte(mentor)) {
		t.Fatal("a result with this input does not name the two people")
	}

	hooks, held, release := holdAt("result") // the result encoded, not yet stored
	e := startEnvSealed(t, 2, server.Options{JobHooks: hooks}, false)
	e.seed(ctx, pop)
	c := e.as(coordA)
	res, err := c.StartMatchingJob(ctx, &pb.StartMatchingJobRequest{RequestId: "late-result", OrganisationId: orgA, MunicipalityCodes: []string{"0180", "0380"}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-ctx.Done():
		t.Fatal("the job never reached its result")
	}
	e.publishAll(ctx, []*eventsv1.Envelope{
		envelope(t, events.ParticipantErased, newcomer, &eventsv1.ParticipantErased{ParticipantId: newcomer}),
		envelope(t, events.VolunteerErased, mentor, &eventsv1.VolunteerErased{VolunteerId: mentor}),
	})
	settled(ctx, t, e) // both erasures handled: Forget has run for each
	close(release)
	job := e.waitJob(ctx, c, res.GetJob().GetId())
	if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("held job ended %v", job.GetState())
	}
	raw := storedResult(ctx, t, e, job.GetId())
	for _, id := range []string{newcomer, mentor} {
		if bytes.Contains(raw, []byte(id)) {
			t.Errorf("the result stored after the erasure names erased %s", id)
		}
	}
	if r := (&pb.JobResult{}); proto.Unmarshal(raw, r) != nil || len(r.GetUnmatched()) == 0 {
		t.Errorf("the stored result lost the others: %d unmatched", len(r.GetUnmatched()))
	}
}

func eligibleSomewhere(un []*pb.UnmatchedNewcomer, mentor string) bool {
	for _, u := range un {
		for _, c := range u.GetEligible() {
			if c.GetVolunteerId() == mentor {
				return true
			}
		}
	}
	return false
}

func unmatchedOf(ctx context.Context, t *testing.T, c pb.MentoringServiceClient, jobID string) []*pb.UnmatchedNewcomer {
	t.Helper()
	res, err := c.ListUnmatched(ctx, &pb.ListUnmatchedRequest{JobId: jobID, PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetUnmatched()
}

// storedResult reads a job's result object as stored on disk.
func storedResult(ctx context.Context, t *testing.T, e *env, jobID string) []byte {
	t.Helper()
	os, err := e.nats.JS.ObjectStore(ctx, pairs.DataStore)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.GetBytes(ctx, jobID+".result")
	if err != nil {
		t.Fatal(fmt.Errorf("read result: %w", err))
	}
	return raw
}

// TestErasureReachesAlternativesOfARunningJob: a mentor erased while a
// job that saw them is running is no alternative in any pair it writes.
// The erasure cleans the pairs there are; the job, held after its
// snapshot until the erasure is handled, writes its pairs after that, and
// took their alternatives from the snapshot (the pairs' own people are
// checked against the pool before and after the write; their
// alternatives were not).
func TestErasureReachesAlternativesOfARunningJob(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	pop := population(31, 60, 10)

	free := startEnv(t, 1, server.Options{})
	free.seed(ctx, pop)
	var mentor string
	for _, p := range pairsOf(ctx, t, free.as(coordA), free.runJob(ctx, free.as(coordA), "base").GetId()) {
		if alts := p.GetAlternatives(); mentor == "" && len(alts) > 0 {
			mentor = alts[0].GetVolunteerId()
		}
	}
	if mentor == "" {
		t.Fatal("the crash-free run proposed no pair with alternatives")
	}

	e, c, jobID, release := heldJob(ctx, t, pop)
	e.publishAll(ctx, []*eventsv1.Envelope{envelope(t, events.VolunteerErased, mentor, &eventsv1.VolunteerErased{VolunteerId: mentor})})
	settled(ctx, t, e)
	release()
	got := pairsOf(ctx, t, c, e.waitJob(ctx, c, jobID).GetId())
	if len(got) == 0 {
		t.Fatal("the held job proposed nothing")
	}
	for _, p := range got {
		if p.GetVolunteerId() == mentor {
			t.Errorf("pair %s proposes the erased mentor", p.GetId())
		}
		if slices.ContainsFunc(p.GetAlternatives(), func(a *pb.Candidate) bool { return a.GetVolunteerId() == mentor }) {
			t.Errorf("pair %s offers the erased mentor as an alternative", p.GetId())
		}
	}
}
