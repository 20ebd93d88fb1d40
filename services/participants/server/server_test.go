package server_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
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
	"github.com/motesplats/motesplats/pkg/grpcx"
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

// TestBadInput sends invalid participants: each is refused with
// InvalidArgument naming the field, nothing is stored and no event sent.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	tests := []struct {
		name  string
		mod   func(p *pb.Participant)
		field string
	}{
		{"empty name", func(p *pb.Participant) { p.GivenName = "" }, "participant.given_name"},
		{"10 MB name", func(p *pb.Participant) { p.GivenName = strings.Repeat("a", 10<<20) }, "participant.given_name"},
		{"control characters", func(p *pb.Participant) { p.FamilyName = "a\x00b" }, "participant.family_name"},
		{"unknown municipality", func(p *pb.Participant) { p.MunicipalityCode = "9999" }, "participant.municipality_code"},
		{"invalid language", func(p *pb.Participant) { p.Languages[0].Code = "klingon" }, "participant.languages[0].code"},
		{"duplicate language", func(p *pb.Participant) { p.Languages[1].Code = "ar" }, "participant.languages[1].code"},
		{"negative household", func(p *pb.Participant) { p.Household.Size = -2 }, "participant.household.size"},
		{"too many ages", func(p *pb.Participant) { p.Household.MemberAges = []int32{1, 2, 3} }, "participant.household.member_ages"},
		{"consent without purpose", func(p *pb.Participant) { p.Consents[0].Purpose = 0 }, "participant.consents[0].purpose"},
		{"consent twice", func(p *pb.Participant) { p.Consents = append(p.Consents, p.Consents[0]) }, "participant.consents[1].purpose"},
		{"birth year", func(p *pb.Participant) { p.BirthYear = 1800 }, "participant.birth_year"},
		{"bad email", func(p *pb.Participant) { p.Contact.Email = "not-an-email" }, "participant.contact.email"},
		{"future permit", func(p *pb.Participant) { p.ResidencePermitDate = "2999-01-01" }, "participant.residence_permit_date"},
		{"unknown enum", func(p *pb.Participant) { p.SwedishLevel = 99 }, "participant.swedish_level"},
		{"bad interest", func(p *pb.Participant) { p.Interests = []string{"Free text!"} }, "participant.interests[0]"},
		{"no organisation", func(p *pb.Participant) { p.OrganisationId = "" }, "participant.organisation_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newcomer("0180")
			tt.mod(p)
			_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
			if code(err) != codes.InvalidArgument {
				t.Fatalf("err=%v, want InvalidArgument", err)
			}
			fields := []string{}
			for _, v := range grpcx.FieldViolations(err) {
				fields = append(fields, v.Field)
			}
			if !slices.Contains(fields, tt.field) {
				t.Fatalf("violations %v lack %s", fields, tt.field)
			}
			if strings.Contains(err.Error(), strings.Repeat("a", 100)) {
				t.Fatal("error echoes the oversized input")
			}
		})
	}
	// Several problems are reported together.
	p := newcomer("9999")
	p.GivenName, p.Household.Size = "", -1
	_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: p})
	if got := len(grpcx.FieldViolations(err)); got != 3 {
		t.Fatalf("violations=%d (%v), want 3", got, err)
	}
	list, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{})
	if err != nil || list.GetTotalSize() != 0 {
		t.Fatalf("stored after bad input: %v %v", list, err)
	}
	if msgs := e.streamMsgs(ctx); len(msgs) != 0 {
		t.Fatalf("events after bad input: %d", len(msgs))
	}
	for _, req := range []*pb.ListParticipantsRequest{{PageSize: -1}, {PageSize: 501}, {PageToken: "garbage"}, {MunicipalityCode: "12"}} {
		if _, err := c.ListParticipants(ctx, req); code(err) != codes.InvalidArgument {
			t.Errorf("list %v: %v, want InvalidArgument", req, err)
		}
	}
}

// TestAccess tries every RPC with every kind of caller who must not reach
// a participant of organisation A in Stockholm (0180).
func TestAccess(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	created, err := e.as(coordA).CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetParticipant().GetId()
	expired, err := auth.NewSigner(e.key, "k1", func() time.Time { return time.Now().Add(-2 * time.Hour) }).Sign(admin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := e.other.Sign(admin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	callers := []struct {
		name  string
		token string
		want  codes.Code // for calls on the record; Create and List differ below
	}{
		{"no token", "", codes.Unauthenticated},
		{"expired token", expired, codes.Unauthenticated},
		{"token of another key", foreign, codes.Unauthenticated},
		{"garbage token", "v1.k1.garbage.garbage", codes.Unauthenticated},
		{"coordinator of another municipality", e.token(coordAOther), codes.NotFound},
		{"coordinator of another organisation", e.token(coordB), codes.NotFound},
		{"operator", e.token(operatorUser), codes.PermissionDenied},
	}
	consent := &pb.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, TextVersion: "v1", Language: "sv"}
	rpcs := []struct {
		name string
		call func(c pb.ParticipantServiceClient) error
	}{
		{"Get", func(c pb.ParticipantServiceClient) error {
			_, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id})
			return err
		}},
		{"Update", func(c pb.ParticipantServiceClient) error {
			_, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: &pb.Participant{Id: id, GivenName: "X"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name"}}})
			return err
		}},
		{"RecordConsent", func(c pb.ParticipantServiceClient) error {
			_, err := c.RecordConsent(ctx, &pb.RecordConsentRequest{ParticipantId: id, Consent: consent})
			return err
		}},
		{"WithdrawConsent", func(c pb.ParticipantServiceClient) error {
			_, err := c.WithdrawConsent(ctx, &pb.WithdrawConsentRequest{ParticipantId: id, Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING})
			return err
		}},
		{"Delete", func(c pb.ParticipantServiceClient) error {
			_, err := c.DeleteParticipant(ctx, &pb.DeleteParticipantRequest{Id: id})
			return err
		}},
		{"Erase", func(c pb.ParticipantServiceClient) error {
			_, err := c.EraseParticipant(ctx, &pb.EraseParticipantRequest{Id: id})
			return err
		}},
		{"Create in A's scope", func(c pb.ParticipantServiceClient) error {
			_, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
			return err
		}},
		{"List", func(c pb.ParticipantServiceClient) error {
			res, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{})
			if err == nil && (len(res.GetParticipants()) > 0 || res.GetTotalSize() > 0) {
				return fmt.Errorf("list shows %d participants", len(res.GetParticipants()))
			}
			return err
		}},
		{"List filtered to A's scope", func(c pb.ParticipantServiceClient) error {
			res, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{MunicipalityCode: "0180", OrganisationId: orgA})
			if err == nil && (len(res.GetParticipants()) > 0 || res.GetTotalSize() > 0) {
				return fmt.Errorf("list shows %d participants", len(res.GetParticipants()))
			}
			return err
		}},
	}
	for _, who := range callers {
		client := e.client(who.token)
		for _, rpc := range rpcs {
			t.Run(who.name+"/"+rpc.name, func(t *testing.T) {
				want := who.want
				switch {
				case want == codes.NotFound && rpc.name == "Create in A's scope":
					want = codes.PermissionDenied
				case want == codes.NotFound && strings.HasPrefix(rpc.name, "List"):
					want = codes.OK // an empty list
				case want == codes.PermissionDenied && (rpc.name == "Get" || strings.HasPrefix(rpc.name, "List")):
					// Operators read nothing personal: Get hides the record, List is empty.
					if rpc.name == "Get" {
						want = codes.NotFound
					} else {
						want = codes.OK
					}
				}
				if got := code(rpc.call(client)); got != want {
					t.Fatalf("code=%v, want %v", got, want)
				}
			})
		}
	}
	// The record is untouched by all of that.
	got, err := e.as(admin).GetParticipant(ctx, &pb.GetParticipantRequest{Id: id})
	if err != nil || got.GetParticipant().GetGivenName() != "Amina" {
		t.Fatalf("record after sweep: %v %v", got, err)
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

func TestNoPanicOnEmptyRequests(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	ctx := testutil.Context(t)
	c := e.as(admin)
	calls := []func() error{
		func() error { _, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{}); return err },
		func() error { _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{}); return err },
		func() error { _, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{}); return err },
		func() error { _, err := c.DeleteParticipant(ctx, &pb.DeleteParticipantRequest{}); return err },
		func() error { _, err := c.EraseParticipant(ctx, &pb.EraseParticipantRequest{}); return err },
		func() error { _, err := c.RecordConsent(ctx, &pb.RecordConsentRequest{}); return err },
		func() error { _, err := c.WithdrawConsent(ctx, &pb.WithdrawConsentRequest{}); return err },
		func() error {
			_, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: &pb.Participant{Id: "nope"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"id"}}})
			return err
		},
	}
	for i, call := range calls {
		if got := code(call()); got != codes.InvalidArgument && got != codes.NotFound {
			t.Errorf("call %d: code %v, want InvalidArgument or NotFound", i, got)
		}
	}
}

func BenchmarkCreate(b *testing.B) {
	e := startBench(b)
	ctx := context.Background()
	c := e.as(admin)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetCacheHit(b *testing.B) {
	e := startBench(b)
	ctx := context.Background()
	c := e.as(admin)
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		b.Fatal(err)
	}
	id := res.GetParticipant().GetId()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetCacheMiss(b *testing.B) {
	e := startBench(b)
	ctx := context.Background()
	c := e.as(admin)
	res, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{Participant: newcomer("0180")})
	if err != nil {
		b.Fatal(err)
	}
	id := res.GetParticipant().GetId()
	b.ResetTimer()
	for b.Loop() {
		// An update evicts the cached copy; only the Get is timed.
		b.StopTimer()
		if _, err := c.UpdateParticipant(ctx, &pb.UpdateParticipantRequest{Participant: &pb.Participant{Id: id, FamilyName: fmt.Sprint(b.Elapsed())},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"family_name"}}}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{Id: id}); err != nil {
			b.Fatal(err)
		}
	}
}
