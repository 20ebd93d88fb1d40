package server_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestMpAddTakesContactDetails: `mp participants add` and `mp volunteers
// add` record -email and -phone (outside round s44: neither command took
// them, so every message to a person added by mp failed as having no
// address), and a malformed address is refused in words with nothing
// stored. participants add also takes -gender and -same-gender-mentor,
// as the web form does (outside round s45).
func TestMpAddTakesContactDetails(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Kontaktföreningen", "0880")
	coord := e.coordinator(admin, "mpcontact@example.org", org, "0880")
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "mpcontact@example.org")
	ctx := testutil.Context(t)

	p := strings.TrimSpace(mp(t, dir, "participants", "add", "-given-name", "Olena", "-municipality", "0880",
		"-email", "olena@example.org", "-phone", "+46701234567", "-gender", "woman", "-same-gender-mentor"))
	got, err := coord.registry.GetParticipant(ctx, connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: p}))
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Msg.GetParticipant().GetParticipant().GetContact(); c.GetEmail() != "olena@example.org" || c.GetPhone() != "+46701234567" {
		t.Errorf("participant added by mp has contact %v, want the e-mail and phone given", c)
	}
	// The same-gender wish needs the gender; mp gave neither (outside
	// round s45).
	if pp := got.Msg.GetParticipant().GetParticipant(); pp.GetGender() != typev1.Gender_GENDER_WOMAN || !pp.GetWantsSameGenderMentor() {
		t.Errorf("participant added by mp with -gender woman -same-gender-mentor: gender %v, same-gender wish %v", pp.GetGender(), pp.GetWantsSameGenderMentor())
	}

	v := strings.TrimSpace(mp(t, dir, "volunteers", "add", "-given-name", "Karin", "-municipality", "0880",
		"-organisation", org, "-email", "karin@example.org"))
	gv, err := coord.registry.GetVolunteer(ctx, connect.NewRequest(&gatewayv1.GetVolunteerRequest{Id: v}))
	if err != nil {
		t.Fatal(err)
	}
	if c := gv.Msg.GetVolunteer().GetVolunteer().GetContact(); c.GetEmail() != "karin@example.org" {
		t.Errorf("volunteer added by mp has contact %v, want the e-mail given", c)
	}

	out, err := mpRun(t, dir, "participants", "add", "-given-name", "Felaktig", "-municipality", "0880", "-email", "inte-en-adress")
	if err == nil {
		t.Fatalf("a malformed e-mail address was accepted: %s", out)
	}
	list := mp(t, dir, "participants", "list")
	if strings.Contains(list, "Felaktig") {
		t.Errorf("a refused add stored the newcomer:\n%s", list)
	}
}
