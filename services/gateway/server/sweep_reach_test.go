package server_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motesplats/motesplats/services/gateway/internal/api"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// isRef is a string field that names a record by id: id or *_id, except
// the caller's own organisation (swept by the lists) and the idempotency
// key; or a list of ids, *_ids (ListNamesakes' participant_ids: a foreign
// id in it must be left out exactly as an unknown one, ADR 0200, 0208).
func isRef(f protoreflect.FieldDescriptor) bool {
	if f.IsMap() || f.Kind() != protoreflect.StringKind {
		return false
	}
	if f.IsList() {
		return strings.HasSuffix(string(f.Name()), "_ids")
	}
	return (f.Name() == "id" || strings.HasSuffix(string(f.Name()), "_id")) && f.Name() != "organisation_id" && f.Name() != "request_id"
}

// idFields are the request fields through which method md is pointed at
// a record, as JSON paths: a top-level id or *_id; the id of a record
// message an update carries ("offer.id"); and a create's references in its
// record message ("offer.volunteerId": the host of a new offer), since a
// create names no record by its own id.
func idFields(md protoreflect.MethodDescriptor) []string {
	create := strings.HasPrefix(string(md.Name()), "Create")
	in := md.Input().Fields()
	var out []string
	for k := range in.Len() {
		f := in.Get(k)
		switch {
		case isRef(f):
			out = append(out, f.JSONName())
		case f.Kind() == protoreflect.MessageKind && !f.IsList() && !f.IsMap() && f.Message().Fields().ByName("id") != nil:
			if !create {
				out = append(out, f.JSONName()+".id")
				continue
			}
			sub := f.Message().Fields()
			for j := range sub.Len() {
				if s := sub.Get(j); s.Name() != "id" && isRef(s) {
					out = append(out, f.JSONName()+"."+s.JSONName())
				}
			}
		}
	}
	return out
}

// pointAt sets field (as idFields names it) of req, a request of message
// in, to id. A record message gets the fields a scope check reads beside
// it (the coordinator's municipality), and only fields it has: the gateway
// refuses a JSON name its message does not define (ADR 0118), before any
// record is looked up.
func pointAt(req map[string]any, in protoreflect.MessageDescriptor, field, id string) {
	name, sub, nested := strings.Cut(field, ".")
	if !nested {
		req[field] = id
		if f := in.Fields().ByJSONName(field); f != nil && f.IsList() {
			req[field] = []string{id}
		}
		return
	}
	md := in.Fields().ByJSONName(name).Message()
	rec := map[string]any{"givenName": "Intruder", "municipalityCode": "0880", "displayName": "Intruder"}
	for k, v := range recordFill(md) {
		rec[k] = v
	}
	rec[sub] = id
	req[name] = fieldsOf(md, rec)
}

// recordFill is a valid record of md besides its people, for the records
// whose service checks the person only once the other fields hold (a
// dinner sign-up's guest).
func recordFill(md protoreflect.MessageDescriptor) map[string]any {
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	switch md.FullName() {
	case "motesplats.dinners.v1.SignUp":
		return map[string]any{"party": []any{map[string]any{"age": 34, "relation": "RELATION_SELF"}}, "dates": []string{day},
			"languages": []string{"ar"}, "swedishLevel": "SWEDISH_LEVEL_SFI_B", "composition": "COMPOSITION_FAMILY"}
	case "motesplats.dinners.v1.Offer":
		return map[string]any{"seats": 4, "dinners": []any{map[string]any{"date": day, "startTime": "18:00"}}, "languages": []string{"ar"},
			"composition": "COMPOSITION_COUPLE"}
	}
	return nil
}

// refusedElsewhere reports whether body is an invalid_argument answer
// none of whose field violations is about field (a JSON path as idFields
// names it): the request was refused before the record field names was
// looked up, so the answer says nothing of the record's scope.
func refusedElsewhere(body, field string) bool {
	var ce struct {
		Code    string
		Details []struct {
			Debug struct {
				FieldViolations []struct{ Field string }
			}
		}
	}
	if json.Unmarshal([]byte(body), &ce) != nil || ce.Code != "invalid_argument" {
		return false
	}
	want := snake(field)
	for _, d := range ce.Details {
		for _, v := range d.Debug.FieldViolations {
			if v.Field == want || strings.HasPrefix(v.Field, want+".") {
				return false
			}
		}
	}
	return true
}

// snake turns a JSON path ("signUp.participantId") into the proto field
// path violations name ("sign_up.participant_id").
func snake(path string) string {
	var b strings.Builder
	for _, r := range path {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unreached are the id fields the sweep cannot bring to their scope check
// with a record that names nothing else, and why; the sweep fails when one
// is reached after all (so this list shrinks, never hides a new method).
var unreached = map[string]string{
	"ReplaceCandidate volunteerId": "the mentor is looked at only for a pair of the caller's own, and only an alternative the job " +
		"stored for that pair is taken (mentoring's TestScopeAndValidation refuses a non-alternative); the sweep has no pair of A's",
}

// uuidRe matches an id of the services' shape.
var uuidRe = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// maskIDs replaces every id in s, so two answers that differ only in the
// ids of what they created (each its own) compare equal.
func maskIDs(s string) string { return uuidRe.ReplaceAllString(s, "<uuid>") }

// TestSweepsSeeEveryMountedService: the sweeps enumerate the gateway's
// methods from the descriptors of package motesplats.gateway.v1
// (gatewayMethods); a Connect service mounted from another package, or a
// method the descriptors list but the gateway does not serve, would be
// missed or swept in vain. The mounted paths and the enumerated services
// must be the same set.
func TestSweepsSeeEveryMountedService(t *testing.T) {
	mounted := map[string]bool{}
	for path := range api.Handlers(&core.Gateway{}, nil, nil) {
		mounted[strings.Trim(path, "/")] = true
	}
	swept := map[string]bool{}
	for _, m := range gatewayMethods() {
		swept[string(m.sd.FullName())] = true
	}
	for s := range mounted {
		if !swept[s] {
			t.Errorf("%s is mounted but no sweep enumerates its methods", s)
		}
	}
	for s := range swept {
		if !mounted[s] {
			t.Errorf("%s is swept but not mounted: the sweeps' answers for it are the mux's 404", s)
		}
	}
	if len(mounted) < 9 {
		t.Fatalf("%d services mounted", len(mounted))
	}
}
