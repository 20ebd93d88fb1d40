package server_test

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func TestParticipantLifecycle(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(coordA)

	in := newcomer("0880")
	in.OrganisationId = "" // a coordinator's own organisation is the default
	created, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: in, RequestId: "req-1"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	p := created.GetParticipant()
	if p.GetId() == "" || p.GetOrganisationId() != orgA || p.GetCreateTime() == nil || p.GetEtag() == "" {
		t.Fatalf("created participant lacks server fields: %v", p)
	}
	if p.GetConsents()[0].GetGivenTime() == nil {
		t.Fatal("consent given_time not defaulted")
	}
	again, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: in, RequestId: "req-1"})
	if err != nil || again.GetParticipant().GetId() != p.GetId() {
		t.Fatalf("repeated request id made %v (err %v), want the same participant %s", again.GetParticipant().GetId(), err, p.GetId())
	}

	got, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: p.GetId()})
	if err != nil || !proto.Equal(got.GetParticipant(), p) {
		t.Fatalf("get=%v err=%v, want %v", got.GetParticipant(), err, p)
	}

	upd, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{
		Participant: &pb.Participant{Id: p.GetId(), SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, GivenName: "ignored"},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"swedish_level"}},
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if upd.GetParticipant().GetSwedishLevel() != typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C || upd.GetParticipant().GetGivenName() != "Amina" {
		t.Fatalf("update applied wrong fields: %v", upd.GetParticipant())
	}
	if _, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{
		Participant: &pb.Participant{Id: p.GetId(), Etag: p.GetEtag(), SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SAS},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"swedish_level"}},
	}); code(err) != codes.Aborted {
		t.Fatalf("update with stale etag: %v, want Aborted", err)
	}

	list, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{ConsentPurpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING})
	if err != nil || list.GetTotalSize() != 1 {
		t.Fatalf("list with mentoring consent: total=%d err=%v, want 1", list.GetTotalSize(), err)
	}
	if _, err := c.WithdrawConsent(ctx, &pb.WithdrawConsentRequest{ParticipantId: p.GetId(), Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING}); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	if _, err := c.WithdrawConsent(ctx, &pb.WithdrawConsentRequest{ParticipantId: p.GetId(), Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING}); code(err) != codes.FailedPrecondition {
		t.Fatalf("second withdraw: %v, want FailedPrecondition", err)
	}
	list, err = c.ListParticipants(ctx, &pb.ListParticipantsRequest{ConsentPurpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING})
	if err != nil || list.GetTotalSize() != 0 {
		t.Fatalf("list after withdrawal: total=%d err=%v, want 0", list.GetTotalSize(), err)
	}
	if _, err := c.RecordConsent(ctx, &pb.RecordConsentRequest{ParticipantId: p.GetId(),
		Consent: &pb.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, TextVersion: "2026-01", Language: "sv"}}); err != nil {
		t.Fatalf("record consent: %v", err)
	}

	// The events tell the story, and none carries a name or contact detail.
	var subjects []string
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		subjects = subjects[:0]
		msgs := e.streamMsgs(ctx)
		for _, m := range msgs {
			subjects = append(subjects, m.Subject)
			for _, secret := range []string{"Amina", "Hassan", "amina@example.org", "+46701234567"} {
				if bytes.Contains(m.Data, []byte(secret)) {
					t.Fatalf("event %s carries personal data %q", m.Subject, secret)
				}
			}
		}
		if len(msgs) != 4 {
			return fmt.Errorf("events=%v, want 4", subjects)
		}
		return nil
	})
	for _, w := range []string{events.ParticipantRegistered, events.ParticipantUpdated, events.ParticipantConsentChanged} {
		if !slices.Contains(subjects, w+"."+p.GetId()) {
			t.Fatalf("events %v lack %s", subjects, w)
		}
	}

	if _, err := c.EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: p.GetId()}); err != nil {
		t.Fatalf("erase: %v", err)
	}
	if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: p.GetId()}); code(err) != codes.NotFound {
		t.Fatalf("get after erase: %v, want NotFound", err)
	}
	if list, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{}); err != nil || len(list.GetParticipants()) != 0 {
		t.Fatalf("list after erase: %v %v", list, err)
	}
	if _, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: in, RequestId: "req-1"}); code(err) != codes.FailedPrecondition {
		t.Fatalf("retrying the creating request after erasure: %v, want FailedPrecondition", err)
	}
	// Erasure leaves one trace of the person in the stream: the erased
	// event, with the id only. Their earlier facts are purged.
	msgs := e.streamMsgs(ctx)
	if len(msgs) != 1 || msgs[0].Subject != events.ParticipantErased+"."+p.GetId() {
		var got []string
		for _, m := range msgs {
			got = append(got, m.Subject)
		}
		t.Fatalf("stream after erase=%v, want only the erased event", got)
	}
	var env eventsv1.Envelope
	if err := proto.Unmarshal(msgs[0].Data, &env); err != nil {
		t.Fatal(err)
	}
	var erased eventsv1.ParticipantErased
	if err := env.GetPayload().UnmarshalTo(&erased); err != nil || erased.GetParticipantId() != p.GetId() || env.GetSubjectId() != p.GetId() {
		t.Fatalf("erased event=%v (err %v), want id %s only", &erased, err, p.GetId())
	}
}

func TestEraseAfterDelete(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	created, err := e.as(coordA).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetParticipant().GetId()
	if _, err := e.as(coordA).DeleteParticipant(ctx, &pb.DeleteParticipantRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	// The coordinator can no longer see the record, so cannot erase it...
	if _, err := e.as(coordA).EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: id}); code(err) != codes.NotFound {
		t.Fatalf("coordinator erase of a deleted participant: %v, want NotFound", err)
	}
	// ...but an admin can, and the registered event goes with it.
	if _, err := e.as(admin).EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: id}); err != nil {
		t.Fatalf("admin erase of a deleted participant: %v", err)
	}
	if n := countEvents(ctx, t, e, events.ParticipantRegistered, id); n != 0 {
		t.Fatalf("registered events left=%d, want 0", n)
	}
	if n := countEvents(ctx, t, e, events.ParticipantErased, id); n != 1 {
		t.Fatalf("erased events=%d, want 1", n)
	}
	if _, err := e.as(admin).EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: "never-existed"}); code(err) != codes.NotFound {
		t.Fatalf("erase of an unknown id: %v, want NotFound", err)
	}
}

// TestConcurrentUpdates runs 50 read-modify-write updates of one record
// guarded by etags, retrying on Aborted: every one of them must land.
func TestConcurrentUpdates(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	p := newcomer("0180")
	p.FamilyName = ""
	created, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetParticipant().GetId()
	const writers = 50
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cur, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id})
				if err != nil {
					t.Errorf("get: %v", err)
					return
				}
				q := cur.GetParticipant()
				_, err = c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{
					Participant: &pb.Participant{Id: id, Etag: q.GetEtag(), FamilyName: q.GetFamilyName() + "x"},
					UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"family_name"}},
				})
				if code(err) == codes.Aborted {
					continue
				}
				if err != nil {
					t.Errorf("update: %v", err)
				}
				return
			}
		}()
	}
	wg.Wait()
	got, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.GetParticipant().GetFamilyName()); n != writers {
		t.Fatalf("family name has %d marks, want %d: updates were lost", n, writers)
	}
}

func TestListPagesAndFilters(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	for i := range 7 {
		p := newcomer([]string{"0180", "0880"}[i%2])
		if i == 0 {
			p.Languages = []*typev1.LanguageSkill{{Code: "ti", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}}
		}
		if _, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	tok := ""
	for {
		res, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{PageSize: 3, PageToken: tok, MunicipalityCode: "0180"})
		if err != nil {
			t.Fatal(err)
		}
		if res.GetTotalSize() != 4 {
			t.Fatalf("total=%d, want 4", res.GetTotalSize())
		}
		for _, p := range res.GetParticipants() {
			seen = append(seen, p.GetId())
		}
		if tok = res.GetNextPageToken(); tok == "" {
			break
		}
	}
	if len(seen) != 4 || !slices.IsSorted(seen) {
		t.Fatalf("pages gave %v, want 4 ids in order", seen)
	}
	res, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{Language: "ti"})
	if err != nil || res.GetTotalSize() != 1 {
		t.Fatalf("language filter total=%d err=%v, want 1", res.GetTotalSize(), err)
	}
	// A coordinator of Kalmar sees only Kalmar.
	res, err = e.as(auth.Claims{Subject: "k", Role: auth.RoleCoordinator, Organisation: orgA, Municipalities: []string{"0880"}}).
		ListParticipants(ctx, &pb.ListParticipantsRequest{})
	if err != nil || res.GetTotalSize() != 3 {
		t.Fatalf("coordinator list total=%d err=%v, want 3", res.GetTotalSize(), err)
	}
}
