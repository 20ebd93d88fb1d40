package participant

import (
	"testing"
	"unsafe"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// TestShareCodes: two participants decoded from their own encodings hold
// one copy of each code after shareCodes (what the index keeps, ADR
// 0204), their names and contact details stay their own, and no value
// changes.
func TestShareCodes(t *testing.T) {
	t.Parallel()
	p := &pb.Participant{Id: "p1", OrganisationId: "org-1", MunicipalityCode: "0180", GivenName: "Amina",
		Contact:             &typev1.Contact{Email: "a@example.org", PreferredLanguage: "ar"},
		Languages:           []*typev1.LanguageSkill{{Code: "ar"}},
		Interests:           []string{"cooking"},
		ResidencePermitDate: "2025-03-14",
		Consents: []*pb.Consent{{TextVersion: "2026-01", Language: "ar", GivenTime: at(10)},
			{TextVersion: "2026-01", Language: "ar", GivenTime: at(20)}},
		CreateTime: at(10), UpdateTime: at(10)}
	raw, err := proto.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	decode := func() *pb.Participant {
		var x pb.Participant
		if err := proto.Unmarshal(raw, &x); err != nil {
			t.Fatal(err)
		}
		shareCodes(&x)
		return &x
	}
	a, b := decode(), decode()
	if !proto.Equal(a, p) {
		t.Fatalf("shareCodes changed the record: %v", a)
	}
	for what, xy := range map[string][2]string{
		"organisation":       {a.GetOrganisationId(), b.GetOrganisationId()},
		"municipality":       {a.GetMunicipalityCode(), b.GetMunicipalityCode()},
		"preferred language": {a.GetContact().GetPreferredLanguage(), b.GetContact().GetPreferredLanguage()},
		"language code":      {a.GetLanguages()[0].GetCode(), b.GetLanguages()[0].GetCode()},
		"interest":           {a.GetInterests()[0], b.GetInterests()[0]},
		"permit date":        {a.GetResidencePermitDate(), b.GetResidencePermitDate()},
		"consent version":    {a.GetConsents()[0].GetTextVersion(), b.GetConsents()[0].GetTextVersion()},
		"consent language":   {a.GetConsents()[0].GetLanguage(), b.GetConsents()[0].GetLanguage()},
	} {
		if unsafe.StringData(xy[0]) != unsafe.StringData(xy[1]) {
			t.Errorf("%s %q: a copy per record", what, xy[0])
		}
	}
	if unsafe.StringData(a.GetGivenName()) == unsafe.StringData(b.GetGivenName()) ||
		unsafe.StringData(a.GetContact().GetEmail()) == unsafe.StringData(b.GetContact().GetEmail()) {
		t.Error("a name or address was made canonical: one person's values only add an entry")
	}
	if a.GetUpdateTime() != a.GetCreateTime() || a.GetConsents()[0].GetGivenTime() != a.GetCreateTime() {
		t.Error("times equal to the creation's are still messages of their own")
	}
	if a.GetConsents()[1].GetGivenTime() == a.GetCreateTime() || a.GetConsents()[1].GetGivenTime().GetSeconds() != 20 {
		t.Error("a later consent's time was replaced")
	}
	if a.GetCreateTime() == b.GetCreateTime() {
		t.Error("two records share a time message: each record's own may differ later")
	}
	shareCodes(&pb.Participant{}) // nothing set: nothing to share, no panic
}

func at(s int64) *timestamppb.Timestamp { return &timestamppb.Timestamp{Seconds: s} }

// TestIndexShares: the repository's index is given shareCodes.
func TestIndexShares(t *testing.T) {
	t.Parallel()
	if RepoConfig(nil).Share == nil {
		t.Error("RepoConfig does not share codes in the index")
	}
}
