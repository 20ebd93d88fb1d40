package fieldmask

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// FuzzApply: an update mask's paths are the caller's text (comma-joined
// here). Apply never panics; what it applies is in updatable and changes
// nothing else of the stored record; a refusal is one violation per bad
// path (at most MaxPaths, or one for the mask), each valid UTF-8 of
// bounded length, so it travels in a BadRequest detail; Require agrees
// on which paths are allowed.
func FuzzApply(f *testing.F) {
	for _, s := range []string{"", "municipality_code", "languages,household_size", "participant_id", "nope", "*", ",",
		strings.Repeat("a,", 40), strings.Repeat("å", 40), "municipality_code,municipality_code", "household_size\x00", "\xff\xfe"} {
		f.Add(s)
	}
	updatable := []string{"municipality_code", "languages", "household_size"}
	f.Fuzz(func(t *testing.T, mask string) {
		var paths []string
		if mask != "" {
			paths = strings.Split(mask, ",")
		}
		stored := &eventsv1.ParticipantFacts{ParticipantId: "p1", MunicipalityCode: "0180", HouseholdSize: 2,
			Languages: []*typev1.LanguageSkill{{Code: "ar"}}}
		req := &eventsv1.ParticipantFacts{ParticipantId: "evil", MunicipalityCode: "1480", Languages: []*typev1.LanguageSkill{{Code: "ti"}}}
		dst := proto.Clone(stored).(*eventsv1.ParticipantFacts)
		applied, err := Apply(dst, req, paths, updatable, "update_mask")
		var v apperr.Validator
		Require(&v, paths, updatable, "update_mask")
		if err != nil {
			vs := apperr.Violations(err)
			if len(vs) == 0 || len(vs) > MaxPaths {
				t.Fatalf("%q: %d violations", mask, len(vs))
			}
			for _, fv := range vs {
				if !utf8.ValidString(fv.Description) || len(fv.Description) > 400 || !utf8.ValidString(fv.Field) {
					t.Fatalf("%q: violation %q: %q", mask, fv.Field, fv.Description)
				}
			}
			if !proto.Equal(dst, stored) {
				t.Fatalf("%q refused, and the record changed: %v", mask, dst)
			}
			return
		}
		if len(paths) > 0 && v.Err() != nil {
			t.Fatalf("%q: Apply took it, Require refuses it: %v", mask, v.Err())
		}
		fields := dst.ProtoReflect().Descriptor().Fields()
		for i := range fields.Len() {
			fd := fields.Get(i)
			name := string(fd.Name())
			was, now := stored.ProtoReflect().Get(fd), dst.ProtoReflect().Get(fd)
			if !slices.Contains(applied, name) && !was.Equal(now) {
				t.Fatalf("%q changed %s, not applied (%v)", mask, name, applied)
			}
			if !slices.Contains(updatable, name) && slices.Contains(applied, name) {
				t.Fatalf("%q applied %s", mask, name)
			}
		}
	})
}
