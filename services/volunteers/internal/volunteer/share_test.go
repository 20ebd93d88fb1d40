package volunteer

import (
	"testing"
	"unsafe"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
)

// TestShareCodes: two volunteers decoded from their own encodings hold
// one copy of each code after shareCodes (ADR 0204), names and addresses
// stay their own, an unchanged update time is the creation time's
// message, and no value changes.
func TestShareCodes(t *testing.T) {
	t.Parallel()
	at := &timestamppb.Timestamp{Seconds: 10}
	v := &pb.Volunteer{Id: "v1", OrganisationId: "org-1", MunicipalityCode: "0180", GivenName: "Sara",
		Contact:   &typev1.Contact{Email: "s@example.org", PreferredLanguage: "sv"},
		Languages: []*typev1.LanguageSkill{{Code: "sv"}}, Interests: []string{"chess"},
		CreateTime: at, UpdateTime: &timestamppb.Timestamp{Seconds: 10}}
	raw, err := proto.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	decode := func() *pb.Volunteer {
		var x pb.Volunteer
		if err := proto.Unmarshal(raw, &x); err != nil {
			t.Fatal(err)
		}
		shareCodes(&x)
		return &x
	}
	a, b := decode(), decode()
	if !proto.Equal(a, v) {
		t.Fatalf("shareCodes changed the record: %v", a)
	}
	for what, xy := range map[string][2]string{
		"organisation":       {a.GetOrganisationId(), b.GetOrganisationId()},
		"municipality":       {a.GetMunicipalityCode(), b.GetMunicipalityCode()},
		"preferred language": {a.GetContact().GetPreferredLanguage(), b.GetContact().GetPreferredLanguage()},
		"language code":      {a.GetLanguages()[0].GetCode(), b.GetLanguages()[0].GetCode()},
		"interest":           {a.GetInterests()[0], b.GetInterests()[0]},
	} {
		if unsafe.StringData(xy[0]) != unsafe.StringData(xy[1]) {
			t.Errorf("%s %q: a copy per record", what, xy[0])
		}
	}
	if unsafe.StringData(a.GetGivenName()) == unsafe.StringData(b.GetGivenName()) {
		t.Error("a name was made canonical")
	}
	if a.GetUpdateTime() != a.GetCreateTime() {
		t.Error("an unchanged update time is still a message of its own")
	}
	shareCodes(&pb.Volunteer{})
}

// TestIndexShares: the repository's index is given shareCodes.
func TestIndexShares(t *testing.T) {
	t.Parallel()
	if RepoConfig(nil).Share == nil {
		t.Error("RepoConfig does not share codes in the index")
	}
}
