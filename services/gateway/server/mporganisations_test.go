package server_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestMpRegistersAnOrganisation: mp had no way to register an
// organisation (ADR 0251's "left" list), so a system without the demo data
// could register no one from a terminal. mp organisations add takes what
// the web page takes (name, type, municipalities by name) and prints the
// id, which the next command uses; a run sent once registers once; the
// refusals are in Swedish naming the field; a coordinator is refused and
// registers nothing; mp organisations list shows them in words (ADR 0254).
func TestMpRegistersAnOrganisation(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	dir := t.TempDir()
	if out, err := mpAs(t, dir, adminPass, "", "login", "-server", e.base, "-email", adminEmail); err != nil {
		t.Fatalf("mp login: %v %s", err, out)
	}
	run := func(args ...string) (string, error) { return mpAs(t, dir, adminPass, "", args...) }

	id, err := run("organisations", "add", "-name", "Föreningen Exempel", "-type", "study_association", "-municipalities", "Stockholm, Uppsala")
	if err != nil {
		t.Fatalf("organisations add: %v %s", err, id)
	}
	id = strings.TrimSpace(id)
	// The id is the next command's: a volunteer registered to it.
	if out, err := run("volunteers", "add", "-given-name", "Karin", "-municipality", "Uppsala", "-organisation", id); err != nil {
		t.Fatalf("a volunteer of the new organisation: %v %s", err, out)
	}
	// And a newcomer: participants add had no -organisation, so an
	// administrator could register no newcomer from mp (ADR 0254).
	p, err := run("participants", "add", "-given-name", "Selam", "-municipality", "Uppsala", "-organisation", id)
	if err != nil {
		t.Fatalf("a newcomer of the new organisation: %v %s", err, p)
	}
	gp, err := admin.registry.GetParticipant(ctx, connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: strings.TrimSpace(p)}))
	if err != nil || gp.Msg.GetParticipant().GetParticipant().GetOrganisationId() != id {
		t.Errorf("newcomer added by mp -organisation %s: %v %v", id, gp, err)
	}
	list, err := run("organisations", "list")
	if err != nil || !strings.Contains(list, id+"\tFöreningen Exempel\tstudieförbund\tStockholm, Uppsala\n") {
		t.Fatalf("organisations list: %v\n%s", err, list)
	}

	// Refused, in Swedish with the field named, and nothing registered.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-type", "association", "-municipalities", "Stockholm"}, "Namn: måste fyllas i"},
		{[]string{"-name", "Utan kommun", "-type", "association"}, "Kommuner: "},
		{[]string{"-name", "Utan typ", "-municipalities", "Stockholm"}, "-type"},
		{[]string{"-name", "Fel typ", "-type", "sekt", "-municipalities", "Stockholm"}, "association (ideell förening)"},
		{[]string{"-name", "Fel kommun", "-type", "association", "-municipalities", "Atlantis"}, "Atlantis"},
	} {
		out, err := run(append([]string{"organisations", "add"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "organisation.") {
			t.Errorf("organisations add %s: %v %s; want a refusal saying %q", strings.Join(tc.args, " "), err, out, tc.want)
		}
	}
	orgs, err := admin.registry.ListOrganisations(ctx, connect.NewRequest(&gatewayv1.ListOrganisationsRequest{}))
	if err != nil || len(orgs.Msg.GetOrganisations()) != 1 {
		t.Fatalf("organisations after the refusals: %v %v; want the one registered", orgs, err)
	}

	// A coordinator may not.
	e.coordinator(admin, "mporg@example.org", id, "0180")
	cdir := t.TempDir()
	if out, err := mpAs(t, cdir, password, "", "login", "-server", e.base, "-email", "mporg@example.org"); err != nil {
		t.Fatalf("coordinator's mp login: %v %s", err, out)
	}
	out, err := mpAs(t, cdir, password, "", "organisations", "add", "-name", "Kuppen", "-type", "association", "-municipalities", "Stockholm")
	if err == nil {
		t.Fatalf("a coordinator registered an organisation: %s", out)
	}
	if list, _ := run("organisations", "list"); strings.Contains(list, "Kuppen") {
		t.Errorf("a coordinator's refused add is listed:\n%s", list)
	}
}
