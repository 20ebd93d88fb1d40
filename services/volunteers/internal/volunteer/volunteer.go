// Package volunteer holds the rules of the volunteer register: what a valid
// volunteer record is, who may see and change it, and which events each
// change publishes. Records are stored as their API message (see
// docs/adr/0006-records-as-api-messages.md); the rules live here, not in the
// gRPC layer.
package volunteer

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/blind"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/store"
)

// Bucket is the KV bucket holding volunteers.
const Bucket = "volunteers"

// Limits on a volunteer record.
const (
	// MaxRoleCapacity bounds how many people one volunteer takes on in a
	// role at once: more is a data-entry error, not generosity.
	MaxRoleCapacity = 50
	// MinAge is the youngest a volunteer may be; birth years after
	// (this year - MinAge) are refused.
	MinAge = 16
	// MinBirthYear is the earliest birth year accepted.
	MinBirthYear = 1900
	// MaxRoles is how many roles a volunteer may list: each role once.
	MaxRoles = 6
)

// Updatable lists the fields UpdateVolunteer may change.
var Updatable = []string{
	"organisation_id", "municipality_code", "given_name", "family_name", "contact", "languages",
	"roles", "interests", "gender", "availability", "diets_served", "background_check",
	"household_size", "birth_year", "notifications",
}

// Organisations tells whether an organisation exists, so a volunteer never
// acts for one that does not. Exists returns an error only when it cannot
// tell.
type Organisations interface {
	Exists(ctx context.Context, id string) (bool, error)
}

// Service is the volunteer register.
type Service struct {
	repo  *store.Repo[*pb.Volunteer]
	cache *cache.Cache
	orgs  Organisations
	now   func() time.Time
	ids   ids.Source
	// recordIDs makes the ids of new volunteers (ids, by default).
	recordIDs ids.Source
	// names computes the blind index terms of a name search (SearchNames).
	names *blind.Index
}

// New returns a Service over repo. Cached copies of a volunteer are
// evicted on every replica when the record changes (the repo's watch).
func New(repo *store.Repo[*pb.Volunteer], c *cache.Cache, orgs Organisations, now func() time.Time, src ids.Source) *Service {
	s := &Service{repo: repo, cache: c, orgs: orgs, now: now, ids: src, recordIDs: src}
	repo.OnChange(func(id string, _ *pb.Volunteer, _ bool) { c.EvictAsync(cacheKey(id)) })
	return s
}

// RecordIDs makes the ids of new volunteers with src instead of the
// service's id source. The server passes a seal.Pool, whose ids come with
// their data key already stored, so a create writes no key on its path,
// as participants do (docs/adr/0034-one-write-per-create.md). Call it
// before serving.
func (s *Service) RecordIDs(src ids.Source) { s.recordIDs = src }

// RepoConfig returns the store configuration for volunteers, with the
// indexes List uses.
func RepoConfig(pub store.Publisher) store.Config[*pb.Volunteer] {
	return store.Config[*pb.Volunteer]{
		Bucket:    Bucket,
		New:       func() *pb.Volunteer { return &pb.Volunteer{} },
		Publisher: pub,
		Indexes: map[string]func(*pb.Volunteer) []string{
			"municipality": func(v *pb.Volunteer) []string { return []string{v.GetMunicipalityCode()} },
			"organisation": func(v *pb.Volunteer) []string { return []string{v.GetOrganisationId()} },
		},
		Share: shareCodes,
	}
}

// IndexNames adds the blind name index to cfg: each volunteer is indexed
// under the keyed HMACs of the words of their names and the words'
// prefixes (pkg/blind, docs/adr/0084). The terms are computed from the
// record as the repository decodes it and live only in its in-memory
// index: nothing of them is written to disk, and a removed or erased
// volunteer leaves the index with the record. Give the Service the same
// ix with SearchNames.
func IndexNames(cfg *store.Config[*pb.Volunteer], ix *blind.Index) {
	if cfg.Indexes == nil {
		cfg.Indexes = map[string]func(*pb.Volunteer) []string{}
	}
	cfg.Indexes[nameIndex] = func(v *pb.Volunteer) []string { return ix.Terms(v.GetGivenName(), v.GetFamilyName()) }
}

// SearchNames lets List search names (ListFilter.Name) through ix, the
// Index given to IndexNames. Without it a name search is refused.
func (s *Service) SearchNames(ix *blind.Index) { s.names = ix }

// nameIndex is the repository index of the blind name terms.
const nameIndex = "name"

// HasVolunteers reports whether any volunteer acts for organisation id,
// from the index. It lets the organisation register refuse to delete an
// organisation that volunteers still act for. The index is synced first:
// it follows the bucket a moment behind, so a volunteer just registered on
// another replica was missing and the organisation was deleted under them
// (docs/adr/0133, 0141).
func HasVolunteers(repo *store.Repo[*pb.Volunteer]) func(ctx context.Context, id string) (bool, error) {
	return func(ctx context.Context, id string) (bool, error) {
		if err := repo.Sync(ctx); err != nil {
			return false, err
		}
		p, err := repo.Find(store.Query[*pb.Volunteer]{Index: "organisation", Values: []string{id}, Limit: 1})
		if err != nil {
			return false, err
		}
		return p.Total > 0, nil
	}
}

func cacheKey(id string) string { return "volunteer/" + id }

// Create registers v for the caller. requestID makes it idempotent: the
// same caller and request id return the volunteer created first. v is the
// call's own and is changed (normalised, given its id and times): the gRPC
// layer passes the request it decoded for this call. Returns Invalid (also
// when v.organisation_id names no organisation),
// PermissionDenied. Scope is checked before the organisation's existence,
// so a coordinator cannot probe which organisation ids exist.
func (s *Service) Create(ctx context.Context, who auth.Claims, v *pb.Volunteer, requestID string) (*pb.Volunteer, error) {
	v, now, err := s.checkCreate(ctx, who, v, requestID)
	if err != nil {
		return nil, err
	}
	build := func(id string) (*pb.Volunteer, []*eventsv1.Envelope, error) {
		v.Id = id
		v.CreateTime = timestamppb.New(now)
		v.UpdateTime = v.CreateTime
		v.Etag = ""
		ev, err := s.event(events.VolunteerRegistered, id, &eventsv1.VolunteerRegistered{Facts: Facts(v, now)})
		if err != nil {
			return nil, nil, err
		}
		return v, []*eventsv1.Envelope{ev}, nil
	}
	// Without a request id the organisation is still checked once the
	// record is stored (Config.Confirm), as in CreateOnce (docs/adr/0177).
	out, err := people.Create(ctx, s.repo, who, "volunteer", requestID, s.recordIDs.New, build)
	if err != nil {
		return nil, err
	}
	// out is this call's own (what build made, or a record decoded for
	// it: CreateOnce keeps no reference to it), so the etag goes on it
	// rather than on a copy of the whole record (withEtag), as in
	// participants (ADR 0167).
	out.Etag = "" // so Etag hashes the record as stored
	out.Etag = store.Etag(out)
	return out, nil
}

// ValidateCreate checks a create of v exactly as Create would (the same
// checkCreate, scope and organisation included) and stores, publishes
// and returns nothing: a request with validate_only (ADR 0135). v is
// normalised in place, as in Create. Returns Invalid, PermissionDenied.
func (s *Service) ValidateCreate(ctx context.Context, who auth.Claims, v *pb.Volunteer, requestID string) error {
	_, _, err := s.checkCreate(ctx, who, v, requestID)
	return err
}

// checkCreate returns v normalised (in place: no copy of the whole record
// per create, see Create) and checked for Create, and the time it was
// checked at.
func (s *Service) checkCreate(ctx context.Context, who auth.Claims, v *pb.Volunteer, requestID string) (*pb.Volunteer, time.Time, error) {
	if !people.CanWrite(who) {
		return nil, time.Time{}, apperr.Errorf(apperr.PermissionDenied, "your role may not register volunteers")
	}
	if v == nil {
		v = &pb.Volunteer{}
	}
	if v.GetOrganisationId() == "" && who.Role == auth.RoleCoordinator {
		v.OrganisationId = who.Organisation
	}
	if v.GetHouseholdSize() == 0 {
		v.HouseholdSize = 1
	}
	v.Interests = people.NormInterests(v.GetInterests())                                              // "Trädgård" is "trädgård"
	v.GivenName, v.FamilyName = people.NormName(v.GetGivenName()), people.NormName(v.GetFamilyName()) // NFC, plain spaces (ADR 0264)
	people.NormContact(v.GetContact())                                                                // "070-123 45 67" is +46701234567
	now := s.now().UTC()
	var val apperr.Validator
	if requestID != "" && !ids.Valid(requestID) {
		val.Add("request_id", "must be 1 to 64 letters, digits, '-' or '_'")
	}
	validate(&val, "volunteer", v, now)
	if err := val.Err(); err != nil {
		return nil, now, err
	}
	// Scope before existence: a coordinator naming another organisation
	// gets the same answer whether it exists or not.
	if !who.CanSee(v.GetOrganisationId(), v.GetMunicipalityCode()) {
		return nil, now, apperr.Errorf(apperr.PermissionDenied, "you may only register volunteers in your organisation and municipalities")
	}
	if err := s.checkOrganisation(ctx, &val, "volunteer.organisation_id", v.GetOrganisationId()); err != nil {
		return nil, now, err
	}
	if err := val.Err(); err != nil {
		return nil, now, err
	}
	return v, now, nil
}

// checkOrganisation adds a violation of field when id is a well-formed id
// that names no organisation (a malformed one is reported by validate).
func (s *Service) checkOrganisation(ctx context.Context, val *apperr.Validator, field, id string) error {
	if !ids.Valid(id) {
		return nil
	}
	ok, err := s.orgs.Exists(ctx, id)
	if err != nil {
		return fmt.Errorf("look up organisation: %w", err)
	}
	if !ok {
		val.Add(field, "names no organisation; register the organisation first")
	}
	return nil
}

// Get returns volunteer id if the caller may see it. Returns NotFound for a
// volunteer outside the caller's organisation or municipalities, so their
// existence is not revealed, in its answer or its time (as participants'
// Get, ADR 0235).
func (s *Service) Get(ctx context.Context, who auth.Claims, id string) (*pb.Volunteer, error) {
	if !ids.Valid(id) {
		return nil, invalidID("id")
	}
	var loaded atomic.Bool
	v, err := cache.GetProto(ctx, s.cache, cacheKey(id), func() *pb.Volunteer { return &pb.Volunteer{} },
		func(ctx context.Context) (*pb.Volunteer, error) {
			loaded.Store(true)
			return s.load(ctx, id)
		})
	if err != nil {
		return nil, notFound(err)
	}
	if !who.CanSee(v.GetOrganisationId(), v.GetMunicipalityCode()) {
		// Loaded for this call: the store read found it, where an id of
		// no one costs a read of the leader too (ADR 0235).
		if loaded.Load() {
			if err := s.repo.Conceal(ctx); apperr.ErrorCode(err) != apperr.NotFound {
				return nil, notFound(err)
			}
		}
		return nil, apperr.Errorf(apperr.NotFound, "volunteer not found")
	}
	return v, nil
}

// ListFilter narrows List; zero fields do not filter.
type ListFilter struct {
	MunicipalityCode string
	Role             eventsv1.VolunteerRole
	Language         string
	OrganisationID   string
	// Name keeps volunteers with a name word starting with each word of
	// it (pkg/blind.Query).
	Name string
}

// List returns a page of the volunteers the caller may see that match f,
// ordered by id, with the total across pages. Returns Invalid for a bad
// filter, page size or token.
func (s *Service) List(_ context.Context, who auth.Claims, f ListFilter, pageSize int32, pageToken string) ([]*pb.Volunteer, string, int, error) {
	var val apperr.Validator
	size, after := page.Check(&val, pageSize, pageToken)
	if f.MunicipalityCode != "" {
		people.Municipality(&val, "municipality_code", f.MunicipalityCode)
	}
	people.Enum(&val, "role", f.Role, false)
	people.Language(&val, "language", f.Language, false)
	if f.OrganisationID != "" && !ids.Valid(f.OrganisationID) {
		val.Add("organisation_id", "is not an id")
	}
	words := blind.Query(&val, "name", f.Name)
	if len(words) > 0 && s.names == nil {
		val.Add("name", "cannot be searched here")
	}
	if err := val.Err(); err != nil {
		return nil, "", 0, err
	}
	q := store.Query[*pb.Volunteer]{After: after, Limit: size}
	switch {
	case len(words) > 0:
		// The longest word's term finds the fewest; the filter checks
		// the others on the records found.
		longest := slices.MaxFunc(words, func(a, b string) int { return len(a) - len(b) })
		q.Index, q.Values = nameIndex, []string{s.names.Term(longest)}
	case f.MunicipalityCode != "":
		q.Index, q.Values = "municipality", []string{f.MunicipalityCode}
	case f.OrganisationID != "":
		q.Index, q.Values = "organisation", []string{f.OrganisationID}
	case who.Role == auth.RoleCoordinator:
		q.Index, q.Values = "organisation", []string{who.Organisation}
	}
	q.Filter = func(v *pb.Volunteer) bool {
		if !who.CanSee(v.GetOrganisationId(), v.GetMunicipalityCode()) {
			return false
		}
		if f.OrganisationID != "" && v.GetOrganisationId() != f.OrganisationID {
			return false
		}
		if f.MunicipalityCode != "" && v.GetMunicipalityCode() != f.MunicipalityCode {
			return false
		}
		if len(words) > 1 && !blind.Match(words, v.GetGivenName(), v.GetFamilyName()) {
			return false
		}
		if f.Role != 0 && !slices.ContainsFunc(v.GetRoles(), func(r *eventsv1.RoleCapacity) bool { return r.GetRole() == f.Role }) {
			return false
		}
		if f.Language != "" && !slices.ContainsFunc(v.GetLanguages(), func(l *typev1.LanguageSkill) bool { return l.GetCode() == f.Language }) {
			return false
		}
		return true
	}
	// The total is counted once per version of the index for this scope
	// and filter (store.FindCounted); a name search is not kept.
	key := ""
	if len(words) == 0 {
		key = fmt.Sprintf("%s|%s|%q|%s|%d|%s|%s", who.Role, who.Organisation, who.Municipalities,
			f.MunicipalityCode, f.Role, f.Language, f.OrganisationID)
	}
	p, err := s.repo.FindCounted(key, q)
	if err != nil {
		return nil, "", 0, err
	}
	out := make([]*pb.Volunteer, len(p.Items))
	for i, v := range p.Items {
		out[i] = withEtag(v)
	}
	return out, page.Encode(p.Next), p.Total, nil
}

// Update applies the fields of v named by mask. A non-empty v.etag must
// match the stored version. Returns Invalid, NotFound, Conflict,
// PermissionDenied (moving a volunteer outside the caller's scope).
func (s *Service) Update(ctx context.Context, who auth.Claims, v *pb.Volunteer, mask []string) (*pb.Volunteer, error) {
	out, _, err := people.Update(ctx, s.repo, s.cache, who, v, mask, cacheKey(v.GetId()), s.edit())
	if err != nil {
		return nil, err
	}
	return withEtag(out), nil
}

// ValidateUpdate checks a change as Update does (a new organisation's
// existence included) and stores, publishes and evicts nothing: the web
// edit form asks it when it refuses a field itself, so one answer lists
// every problem (ADR 0139). Returns Invalid, NotFound, Conflict,
// PermissionDenied.
func (s *Service) ValidateUpdate(ctx context.Context, who auth.Claims, v *pb.Volunteer, mask []string) error {
	return people.ValidateUpdate(ctx, s.repo, who, v, mask, s.edit())
}

// edit is how Update and ValidateUpdate complete, check and stamp a
// changed volunteer, at the time of the call.
func (s *Service) edit() people.Edit[*pb.Volunteer] {
	now := s.now().UTC()
	return people.Edit[*pb.Volunteer]{
		Noun: "volunteer", Updatable: Updatable,
		Check: func(cur *pb.Volunteer, val *apperr.Validator) {
			if cur.GetHouseholdSize() == 0 {
				cur.HouseholdSize = 1
			}
			cur.Interests = people.NormInterests(cur.GetInterests())
			cur.GivenName, cur.FamilyName = people.NormName(cur.GetGivenName()), people.NormName(cur.GetFamilyName())
			people.NormContact(cur.GetContact())
			validate(val, "volunteer", cur, now)
		},
		Moved: func(ctx context.Context, cur, before *pb.Volunteer, val *apperr.Validator) error {
			if cur.GetOrganisationId() == before.GetOrganisationId() {
				return nil
			}
			return s.checkOrganisation(ctx, val, "volunteer.organisation_id", cur.GetOrganisationId())
		},
		Stamp: func(cur *pb.Volunteer) {
			cur.UpdateTime = timestamppb.New(now)
			cur.Etag = ""
		},
		Event: func(cur *pb.Volunteer, changed []string) (*eventsv1.Envelope, error) {
			return s.event(events.VolunteerUpdated, cur.GetId(), &eventsv1.VolunteerUpdated{Facts: Facts(cur, now), ChangedFields: changed})
		},
	}
}

// Delete removes a volunteer who stops; with erase it also purges every
// trace (the right to erasure). Both publish an event with the id only and
// evict cached copies. Returns Invalid, NotFound, PermissionDenied.
func (s *Service) Delete(ctx context.Context, who auth.Claims, id string, erase bool) error {
	return people.Remove(ctx, s.repo, s.cache, who, "volunteer", id, cacheKey(id), erase, func(erase bool) (*eventsv1.Envelope, error) {
		if erase {
			return s.event(events.VolunteerErased, id, &eventsv1.VolunteerErased{VolunteerId: id})
		}
		return s.event(events.VolunteerDeleted, id, &eventsv1.VolunteerDeleted{VolunteerId: id})
	})
}

func (s *Service) event(subject, id string, payload proto.Message) (*eventsv1.Envelope, error) {
	return events.NewEnvelope(s.ids.New(), subject, id, s.now(), payload)
}

// withEtag returns a copy of v carrying its etag (store.Etag). The copy is
// needed: List and Update pass records the store's index shares with every
// reader, and an etag written into one raced them (ADR 0176). Create, whose
// record is its own, sets the etag in place instead.
func withEtag(v *pb.Volunteer) *pb.Volunteer {
	v = proto.Clone(v).(*pb.Volunteer)
	v.Etag = store.Etag(v)
	return v
}

// invalidID is the error for an id field that cannot be an id.
func invalidID(field string) error { return apperr.FieldError(field, "is not an id") }

// notFound names the record in a NotFound answer (people.NotFound).
func notFound(err error) error { return people.NotFound(err, "volunteer") }
