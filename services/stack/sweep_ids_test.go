package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// idNames say which planted kinds an id field names, by the field's name;
// idPaths by its path from the request for the fields called id. Every
// id field the sweep fills (fill) is in one of them, and every kind they
// name is planted and swept over the field's RPC, so an RPC added with an
// id of a kind the sweep does not plant fails
// TestServiceSweepNamesEveryID instead of comparing two ids of nothing.
var idNames = map[string][]string{
	"organisation_id": {"organisation"},
	"participant_id":  {"participant", "guest", "newcomer"},
	"volunteer_id":    {"volunteer", "host"},
	"offer_id":        {"offer"},
	"sign_up_id":      {"sign-up"},
	"person_id":       {"participant", "volunteer", "guest", "host", "newcomer"},
	"proposal_id":     {"pair", "seating", "assignment"},
	"participant_ids": {"participant", "guest", "newcomer"},
	"volunteer_ids":   {"volunteer", "host"},
}

// jobKinds are the kinds of a job_id in each part.
var jobKinds = map[string]string{"mentoring": "job", "dinners": "dinners job", "guides": "guides job"}

var idPaths = map[string]string{
	"participants.GetParticipantRequest.id":    "participant",
	"participants.DeleteParticipantRequest.id": "participant",
	"participants.EraseParticipantRequest.id":  "participant",
	"volunteers.GetVolunteerRequest.id":        "volunteer",
	"volunteers.DeleteVolunteerRequest.id":     "volunteer",
	"volunteers.EraseVolunteerRequest.id":      "volunteer",
	"volunteers.GetOrganisationRequest.id":     "organisation",
	"volunteers.DeleteOrganisationRequest.id":  "organisation",
	"mentoring.GetJobRequest.id":               "job",
	"mentoring.WatchJobRequest.id":             "job",
	"mentoring.GetPairRequest.id":              "pair",
	"mentoring.ApproveProposalRequest.id":      "pair",
	"mentoring.RejectProposalRequest.id":       "pair",
	"mentoring.ReplaceCandidateRequest.id":     "pair",
	"mentoring.AcceptOfferRequest.id":          "pair",
	"mentoring.DeclineOfferRequest.id":         "pair",
	"mentoring.RecordCheckInRequest.id":        "pair",
	"mentoring.EndPairRequest.id":              "pair",
	"dinners.GetOfferRequest.id":               "offer",
	"dinners.DeleteOfferRequest.id":            "offer",
	"dinners.GetSignUpRequest.id":              "sign-up",
	"dinners.DeleteSignUpRequest.id":           "sign-up",
	"dinners.GetJobRequest.id":                 "dinners job",
	"dinners.WatchJobRequest.id":               "dinners job",
	"dinners.GetSeatingRequest.id":             "seating",
	"dinners.ApproveSeatingRequest.id":         "seating",
	"dinners.RejectSeatingRequest.id":          "seating",
	"dinners.RecordRsvpRequest.id":             "seating",
	"dinners.CancelSeatingRequest.id":          "seating",
	"dinners.RecordAttendanceRequest.id":       "seating",
	"dinners.RecordFeedbackRequest.id":         "seating",
	"guides.GetJobRequest.id":                  "guides job",
	"guides.WatchJobRequest.id":                "guides job",
	"guides.GetAssignmentRequest.id":           "assignment",
	"guides.RejectAssignmentRequest.id":        "assignment",
	"guides.ApproveAssignmentRequest.id":       "assignment",
	"guides.AcceptAssignmentRequest.id":        "assignment",
	"guides.DeclineAssignmentRequest.id":       "assignment",
	"guides.ActivateAssignmentRequest.id":      "assignment",
	"guides.EndAssignmentRequest.id":           "assignment",
	"notify.GetMailboxMessageRequest.id":       "message",
	// A create's record id is the service's to give (ignored); an
	// update's names the record.
	"participants.CreateParticipantRequest.participant.id": "participant",
	"participants.UpdateParticipantRequest.participant.id": "participant",
	"volunteers.CreateVolunteerRequest.volunteer.id":       "volunteer",
	"volunteers.UpdateVolunteerRequest.volunteer.id":       "volunteer",
	"volunteers.CreateOrganisationRequest.organisation.id": "organisation",
	"volunteers.UpdateOrganisationRequest.organisation.id": "organisation",
	"dinners.CreateOfferRequest.offer.id":                  "offer",
	"dinners.UpdateOfferRequest.offer.id":                  "offer",
	"dinners.CreateSignUpRequest.sign_up.id":               "sign-up",
	"dinners.UpdateSignUpRequest.sign_up.id":               "sign-up",
}

// plantedKinds are the kinds plantForSweep plants (its ids' keys), so
// this test needs no stack.
var plantedKinds = []string{"participant", "volunteer", "organisation", "pair", "job", "guest", "host", "newcomer",
	"offer", "sign-up", "seating", "dinners job", "guides job", "assignment", "message"}

// idFields calls f with the path (from the request, dotted) and name of
// every id field fill sets in md.
func idFields(md protoreflect.MessageDescriptor, prefix string, depth int, f func(path, name string)) {
	for i := range md.Fields().Len() {
		fd := md.Fields().Get(i)
		name := string(fd.Name())
		switch {
		case fd.Kind() == protoreflect.StringKind && name != "request_id" &&
			(name == "id" || strings.HasSuffix(name, "_id") || (fd.IsList() && strings.HasSuffix(name, "_ids"))):
			f(prefix+name, name)
		case fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() && depth < 2 &&
			!strings.HasPrefix(string(fd.Message().FullName()), "google."):
			idFields(fd.Message(), prefix+name+".", depth+1, f)
		}
	}
}

// TestServiceSweepNamesEveryID holds the sweep complete as the protos
// grow: every id field of every service RPC names planted kinds that are
// swept over that RPC (see idNames), and every RPC in proto/ is one the
// sweep enumerates, or belongs to a package another sweep covers.
func TestServiceSweepNamesEveryID(t *testing.T) {
	planted := map[string]bool{}
	for _, k := range plantedKinds {
		planted[k] = true
	}
	swept := map[string]bool{}
	for _, m := range serviceMethods(t) {
		swept[m.path()] = true
		short := strings.TrimSuffix(strings.TrimPrefix(string(m.md.Parent().FullName().Parent()), "motesplats."), ".v1")
		idFields(m.md.Input(), "", 0, func(path, name string) {
			var kinds []string
			switch {
			case name == "job_id":
				kinds = []string{jobKinds[m.part]}
			case idNames[name] != nil:
				kinds = idNames[name]
			default:
				key := short + "." + string(m.md.Input().Name()) + "." + path
				if k, ok := idPaths[key]; ok {
					kinds = []string{k}
				} else {
					t.Errorf("%s: id field %s names no planted kind: plant its record in plantForSweep and add %q to idPaths", m.path(), path, key)
					return
				}
			}
			sweptHere := false
			for _, k := range kinds {
				if !planted[k] || k == "" {
					t.Errorf("%s: %s names %q, which the sweep does not plant", m.path(), path, k)
				}
				sweptHere = sweptHere || !programmeKinds[k] || programmeParts[m.part]
			}
			if !sweptHere {
				t.Errorf("%s: %s names %v, which the sweep sweeps over %v only", m.path(), path, kinds, programmeParts)
			}
		})
	}
	// The proto sources: a service in a package the sweep does not know,
	// or an RPC the registered descriptors lack, fails here.
	sweptElsewhere := map[string]string{"gateway": "the gateway's Connect API: services/gateway/server's sweeps (ADR 0154, 0166)",
		"bench": "the load's echo: no records, no caller data (ADR 0013)"}
	files, err := filepath.Glob("../../proto/motesplats/*/v1/*.proto")
	if err != nil || len(files) == 0 {
		t.Fatalf("proto sources: %v, %v", files, err)
	}
	svc, rpc := regexp.MustCompile(`(?m)^service (\w+) \{`), regexp.MustCompile(`(?m)^\s*rpc (\w+)\(`)
	found := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pkg := filepath.Base(filepath.Dir(filepath.Dir(f)))
		blocks := svc.FindAllSubmatchIndex(b, -1)
		if len(blocks) == 0 {
			continue
		}
		if _, ok := servicePackages[protoreflect.FullName("motesplats."+pkg+".v1")]; !ok {
			if _, ok := sweptElsewhere[pkg]; !ok {
				t.Errorf("%s: package %s serves RPCs the sweep does not know: add it to servicePackages or sweptElsewhere", f, pkg)
			}
			continue
		}
		for k, blk := range blocks {
			end := len(b)
			if k+1 < len(blocks) {
				end = blocks[k+1][0]
			}
			name := string(b[blk[2]:blk[3]])
			for _, r := range rpc.FindAllSubmatch(b[blk[1]:end], -1) {
				found++
				p := "/motesplats." + pkg + ".v1." + name + "/" + string(r[1])
				if !swept[p] {
					t.Errorf("%s in %s is not among the RPCs the sweep enumerates: regenerate, register its package", p, f)
				}
			}
		}
	}
	if found != len(swept) {
		t.Errorf("proto/ declares %d service RPCs, the sweep enumerates %d", found, len(swept))
	}
	for k := range programmeKinds {
		if !planted[k] {
			t.Errorf("programme kind %q is not in plantedKinds", k)
		}
	}
	t.Logf("%d service RPCs in proto/", found)
}
