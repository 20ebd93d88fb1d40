package server_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/volunteers/internal/organisation"
)

// namedOrg is an association of name serving Kalmar.
func namedOrg(name string) *pb.Organisation {
	return &pb.Organisation{Name: name, Type: pb.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}
}

// wantNameTaken fails unless err is the refusal of a taken name.
func wantNameTaken(t *testing.T, what string, err error) {
	t.Helper()
	if status.Code(err) != codes.AlreadyExists || status.Convert(err).Message() != organisation.NameTakenText {
		t.Errorf("%s: %v, want AlreadyExists %q", what, err, organisation.NameTakenText)
	}
}

// TestOrganisationName_OnePerName: "Röda Korset Kalmar" registered a
// second time, in another case or with more spaces, is refused (ADR
// 0258); with spaces around it, validation refuses it already; other
// names, Malmo beside Malmö among them, pass.
func TestOrganisationName_OnePerName(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	asAdmin := h.as(t, admin)
	h.mustOrg(t, "Röda Korset Kalmar", "0880")
	for _, name := range []string{"Röda Korset Kalmar", "röda korset kalmar", "RÖDA  KORSET   KALMAR"} {
		_, err := h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: namedOrg(name)}, asAdmin)
		wantNameTaken(t, fmt.Sprintf("create %q", name), err)
		_, err = h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: namedOrg(name), RequestId: "again"}, asAdmin)
		wantNameTaken(t, fmt.Sprintf("create %q with a request id", name), err)
	}
	_, err := h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: namedOrg(" röda korset kalmar ")}, asAdmin)
	wantCode(t, err, codes.InvalidArgument)
	for _, name := range []string{"Röda Korset Kalmar län", "Röda Korset Malmö", "Röda Korset Malmo", "Röda Korset Kalmár"} {
		if _, err := h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: namedOrg(name)}, asAdmin); err != nil {
			t.Errorf("create %q: %v", name, err)
		}
	}
	list, err := h.client.ListOrganisations(ctx, &pb.ListOrganisationsRequest{}, asAdmin)
	if err != nil || list.GetTotalSize() != 5 {
		t.Errorf("list = %d organisations, %v; want 5", list.GetTotalSize(), err)
	}
}

// TestOrganisationName_Rename: a rename onto another organisation's name
// is refused; a rename frees the old name and holds the new one.
func TestOrganisationName_Rename(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	asAdmin := h.as(t, admin)
	h.mustOrg(t, "ABF Malmö", "0880")
	lund := h.mustOrg(t, "ABF Lund", "0880")
	rename := func(name string) error {
		_, err := h.client.UpdateOrganisation(ctx, &pb.UpdateOrganisationRequest{
			Organisation: &pb.Organisation{Id: lund.GetId(), Name: name},
			UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"name"}},
		}, asAdmin)
		return err
	}
	wantNameTaken(t, "rename onto ABF Malmö", rename("abf  malmö"))
	if err := rename("ABF Lunds"); err != nil {
		t.Fatalf("rename to a free name: %v", err)
	}
	if err := rename("abf lunds"); err != nil {
		t.Fatalf("rename to its own name in other case: %v", err)
	}
	h.mustOrg(t, "ABF Lund", "0880") // freed by the rename
	_, err := h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: namedOrg("ABF Lunds")}, asAdmin)
	wantNameTaken(t, "create the renamed one's new name", err)
}

// TestOrganisationName_RemovalFrees: a removed organisation's name can be
// registered again, also when the removal's release of its claim never
// happened (a crash between the two), and a claim left by a renamed
// organisation is taken over too.
func TestOrganisationName_RemovalFrees(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	asAdmin := h.as(t, admin)
	o := h.mustOrg(t, "Stadsmissionen Kalmar", "0880")
	if _, err := h.client.DeleteOrganisation(ctx, &pb.DeleteOrganisationRequest{Id: o.GetId()}, asAdmin); err != nil {
		t.Fatal(err)
	}
	again := h.mustOrg(t, "stadsmissionen kalmar", "0880")

	kv, err := h.nats.JS.KeyValue(ctx, organisation.NamesBucket)
	if err != nil {
		t.Fatal(err)
	}
	key := organisation.NameKey("Stadsmissionen Kalmar")
	if e, err := kv.Get(ctx, key); err != nil || string(e.Value()) != again.GetId() {
		t.Fatalf("claim = %v, %v; want the new organisation's", e, err)
	}
	// A removal whose release was lost: the claim still names it.
	if _, err := h.client.DeleteOrganisation(ctx, &pb.DeleteOrganisationRequest{Id: again.GetId()}, asAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, key, []byte(again.GetId())); err != nil {
		t.Fatal(err)
	}
	h.mustOrg(t, "Stadsmissionen Kalmar", "0880")

	// A rename whose release was lost: the old name's claim names an
	// organisation that has another name now.
	other := h.mustOrg(t, "Kalmar Tjejjour", "0880")
	if _, err := kv.Put(ctx, organisation.NameKey("Kalmar Kvinnojour"), []byte(other.GetId())); err != nil {
		t.Fatal(err)
	}
	h.mustOrg(t, "Kalmar Kvinnojour", "0880")
	// A claim with no record at all (a create that died before its write).
	if _, err := kv.Put(ctx, organisation.NameKey("Kalmar Läxhjälp"), []byte("gone-for-good")); err != nil {
		t.Fatal(err)
	}
	h.mustOrg(t, "Kalmar Läxhjälp", "0880")
}

// TestOrganisationName_Concurrent: creates of one name at once, spread
// over two replicas of the service with distinct request ids, give one
// organisation; the winner's request id repeated on either replica
// answers with it.
func TestOrganisationName_Concurrent(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	reps := []*harness{startWith(t, n, nil), startWith(t, n, nil)}
	ctx := testutil.Context(t)
	const rounds, each = 5, 6
	for r := range rounds {
		name := fmt.Sprintf("Röda Korset Kalmar %d", r)
		var wg sync.WaitGroup
		type result struct {
			req string
			o   *pb.Organisation
			err error
		}
		results := make(chan result, each)
		for i := range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := reps[i%2]
				req := fmt.Sprintf("r%d-%d", r, i)
				spelled := name
				if i%2 == 1 {
					spelled = strings.ToLower(name)
				}
				res, err := h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: namedOrg(spelled), RequestId: req}, h.as(t, admin))
				results <- result{req, res.GetOrganisation(), err}
			}()
		}
		wg.Wait()
		close(results)
		var won []result
		for res := range results {
			switch {
			case res.err == nil:
				won = append(won, res)
			case status.Code(res.err) != codes.AlreadyExists:
				t.Errorf("round %d: %s: %v, want success or AlreadyExists", r, res.req, res.err)
			}
		}
		if len(won) != 1 {
			t.Fatalf("round %d: %d creates of one name succeeded, want 1", r, len(won))
		}
		for _, h := range reps {
			res, err := h.client.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{Organisation: namedOrg(name), RequestId: won[0].req}, h.as(t, admin))
			if err != nil || res.GetOrganisation().GetId() != won[0].o.GetId() {
				t.Errorf("round %d: the winner's request repeated = %v, %v; want %s", r, res.GetOrganisation().GetId(), err, won[0].o.GetId())
			}
		}
	}
	list, err := reps[0].client.ListOrganisations(ctx, &pb.ListOrganisationsRequest{}, reps[0].as(t, admin))
	if err != nil || list.GetTotalSize() != rounds {
		t.Errorf("list = %d organisations, %v; want %d", list.GetTotalSize(), err, rounds)
	}
}
