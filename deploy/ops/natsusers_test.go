package ops_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/auth"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNATSUsers_TheServicesRunAsTheirOwn starts make up's layout (every
// service, one replica each, one NATS node) with a NATS user per service
// (ADR 0226): the seed and the latency probe sign in as the tools' user;
// a guest and a host created through the gateway reach dinners' pool
// (the offer and the sign-up are accepted only once the pool has them);
// the guest's erasure
// through the gateway is handled by every consumer of it (each durable,
// read as its own service's user, has nothing pending) and the guest is
// gone; and nats-server refused nothing: its log has no permissions
// violation, and every process still runs. A grant that lacks what its
// service does fails here (ADR 0226 names the one taken out to see it).
func TestNATSUsers_TheServicesRunAsTheirOwn(t *testing.T) {
	pw, err := layout.NewNATSPasswords()
	if err != nil {
		t.Fatal(err)
	}
	s := mustUpWith(t, layout.Options{NATSNodes: 1, Replicas: 1, NATSPasswords: pw})
	s.seed(t, 20, 10)
	// The latency probe: a durable of its own name on the participants'
	// registrations (and on REPLAY), as the tools' user.
	probe := exec.CommandContext(testutil.Context(t), filepath.Join(s.bin, "stack"), "latency", "-rate", "20", "-duration", "2s",
		"-nats", "nats://"+mustProc(t, s, "nats-1").Addr)
	probe.Env = append(os.Environ(), "MP_OPERATOR_SIGNING_KEY="+auth.EncodePrivateKey(s.operator),
		service.NATSUserEnv+"="+service.NATSToolsUser, service.NATSPasswordEnv+"="+pw[service.NATSToolsUser])
	for _, k := range service.Known() {
		if p, ok := s.Proc(k.Name); ok {
			probe.Env = append(probe.Env, k.Env+"="+p.Addr)
		}
	}
	if out, err := probe.CombinedOutput(); err != nil {
		t.Fatalf("stack latency as %s: %v\n%s", service.NATSToolsUser, err, out)
	}
	ctx := testutil.Context(t)
	gp, _ := s.Proc("gateway")
	api := &gatewayAPI{t: t, base: "http://" + gp.Addr}
	api.token = api.call("ApiTokenService/CreateApiToken", map[string]any{
		"email": "admin@example.org", "password": "correct-horse-battery", "name": "natsusers"})["token"].(string)
	vc := volunteersv1.NewVolunteerServiceClient(s.dial(t, "volunteers"))
	org, err := vc.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Egna användare", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := newPlanted()
	orgID := org.GetOrganisation().GetId()
	day := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	guest := api.call("RegistryService/CreateParticipant", map[string]any{"participant": m.person(orgID, "g", 0, map[string]any{
		"consents": []any{map[string]any{"purpose": "CONSENT_PURPOSE_DINNERS", "textVersion": "2026-01", "language": "sv"}}})})["participant"].(map[string]any)
	host := api.call("RegistryService/CreateVolunteer", map[string]any{"volunteer": m.person(orgID, "h", 0, map[string]any{
		"roles":           []any{map[string]any{"role": "VOLUNTEER_ROLE_DINNER_HOST", "capacity": 4}},
		"backgroundCheck": m.backgroundCheck()})})["volunteer"].(map[string]any)
	gid, hid := guest["id"].(string), host["id"].(string)
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		_, err := api.try("DinnersService/CreateDinnerOffer", map[string]any{"requestId": m.run + "-offer", "offer": map[string]any{
			"organisationId": orgID, "municipalityCode": "0880", "volunteerId": hid, "seats": 4, "address": "Storgatan 7, Kalmar",
			"composition": "COMPOSITION_COUPLE", "languages": []any{"ar", "sv"}, "dinners": []any{map[string]any{"date": day, "startTime": "18:00"}}}})
		return err
	})
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		_, err := api.try("DinnersService/CreateDinnerSignUp", map[string]any{"requestId": m.run + "-signup", "signUp": map[string]any{
			"organisationId": orgID, "municipalityCode": "0880", "participantId": gid, "languages": []any{"ar"}, "dates": []any{day},
			"party":       []any{map[string]any{"age": 30, "relation": "RELATION_SELF"}},
			"composition": "COMPOSITION_FAMILY", "swedishLevel": "SWEDISH_LEVEL_SFI_C"}})
		return err
	})
	api.call("RegistryService/EraseParticipant", map[string]any{"id": gid})
	// Every consumer of the erasure, read as its own service's user.
	for user, durables := range map[string][]string{
		"dinners": {"dinners-participants"}, "mentoring": {"mentoring-participants"},
		"guides": {"guides-participants"}, "notify": {"notify-participants"},
	} {
		js := userJetStream(t, s, user, pw[user])
		for _, d := range durables {
			consumerDone(t, js, "PARTICIPANTS", d)
		}
	}
	if _, err := api.try("RegistryService/GetParticipant", map[string]any{"id": gid}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("the erased guest: %v, want not found", err)
	}

	for _, p := range s.Procs {
		if p.Kind != "redis" && s.Pid(p.Name) == 0 {
			t.Errorf("%s is not running", p.Name)
		}
	}
	refused := linesWith(mustProc(t, s, "nats-1").Log(s.Opts.Dir), []string{"Violation"}, 20)
	for _, p := range s.Procs {
		if p.Kind != "nats" && p.Kind != "redis" {
			refused = append(refused, linesWith(p.Log(s.Opts.Dir), []string{"ermissions violation", "ermissions Violation"}, 5)...)
		}
	}
	if len(refused) > 0 {
		t.Errorf("NATS refused what a service does:\n%s", strings.Join(refused, "\n"))
	}
}

// userJetStream is JetStream as user, as that service signs in.
func userJetStream(t *testing.T, s *system, user, password string) jetstream.JetStream {
	t.Helper()
	nc, err := service.ConnectNATS("nats://"+mustProc(t, s, "nats-1").Addr, t.Name(), service.NATSAuth{User: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}
