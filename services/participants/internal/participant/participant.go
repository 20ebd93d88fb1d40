// Package participant holds the rules of the participant register: what a
// valid newcomer record is, who may see and change it, and which events each
// change publishes. Records are stored as their API message (see
// docs/adr/0006-records-as-api-messages.md); the rules live here, not in the
// gRPC layer.
package participant

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
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/store"
)

// Bucket is the KV bucket holding participants.
const Bucket = "participants"

// MaxConsents is how many consents a participant may hold: one per
// purpose.
const MaxConsents = 4

// Updatable lists the fields UpdateParticipant may change. Consents change
// only through RecordConsent and WithdrawConsent, so every change of
// consent is an explicit, evented act.
var Updatable = []string{
	"organisation_id", "municipality_code", "given_name", "family_name", "contact", "languages",
	"swedish_level", "household", "interests", "diets", "gender", "availability",
	"residence_permit_date", "establishment_status", "parental_leave", "wants_same_gender_mentor",
	"birth_year", "notifications",
}

// Service is the participant register.
type Service struct {
	repo  *store.Repo[*pb.Participant]
	cache *cache.Cache
	now   func() time.Time
	ids   ids.Source
	// recordIDs makes the ids of new participants (ids, by default).
	recordIDs ids.Source
	// names computes the blind index terms of a name search (IndexNames).
	names *blind.Index
	// orgs refuses organisations that do not stand (CheckOrganisations).
	orgs *Organisations
}

// New returns a Service over repo. Cached copies of a participant are
// evicted on every replica when the record changes (the repo's watch).
func New(repo *store.Repo[*pb.Participant], c *cache.Cache, now func() time.Time, src ids.Source) *Service {
	s := &Service{repo: repo, cache: c, now: now, ids: src, recordIDs: src}
	repo.OnChange(func(id string, _ *pb.Participant, _ bool) { c.EvictAsync(cacheKey(id)) })
	return s
}

// RepoConfig returns the store configuration for participants, with the
// indexes List uses.
func RepoConfig(pub store.Publisher) store.Config[*pb.Participant] {
	return store.Config[*pb.Participant]{
		Bucket:    Bucket,
		New:       func() *pb.Participant { return &pb.Participant{} },
		Publisher: pub,
		Indexes: map[string]func(*pb.Participant) []string{
			"municipality": func(p *pb.Participant) []string { return []string{p.GetMunicipalityCode()} },
		},
		Share: shareCodes,
	}
}

// RecordIDs makes the ids of new participants with src instead of the
// service's id source. The server passes a seal.Pool, whose ids come with
// their data key already stored, so a create writes no key on its path
// (docs/adr/0034-one-write-per-create.md). Call it before serving.
func (s *Service) RecordIDs(src ids.Source) { s.recordIDs = src }

// IndexNames adds the blind name index to cfg: each participant is
// indexed under the keyed HMACs of the words of their names and the
// words' prefixes (pkg/blind, docs/adr/0084). The terms are computed from
// the record as the repository decodes it, and live only in the
// repository's in-memory index: nothing of them is written to disk, and a
// removed or erased participant leaves the index with the record. Give the
// Service the same ix with SearchNames.
func IndexNames(cfg *store.Config[*pb.Participant], ix *blind.Index) {
	if cfg.Indexes == nil {
		cfg.Indexes = map[string]func(*pb.Participant) []string{}
	}
	cfg.Indexes[nameIndex] = func(p *pb.Participant) []string { return ix.Terms(p.GetGivenName(), p.GetFamilyName()) }
}

// SearchNames lets List search names (ListFilter.Name) through ix, the
// Index given to IndexNames. Without it a name search is refused.
func (s *Service) SearchNames(ix *blind.Index) { s.names = ix }

// nameIndex is the repository index of the blind name terms.
const nameIndex = "name"

func cacheKey(id string) string { return "participant/" + id }

// Create registers p for the caller. requestID makes it idempotent: the
// same caller and request id return the participant created first. p is
// the call's own and is changed (normalised, given its id and times): the
// gRPC layer passes the request it decoded for this call. Returns
// Invalid, PermissionDenied.
func (s *Service) Create(ctx context.Context, who auth.Claims, p *pb.Participant, requestID string) (*pb.Participant, error) {
	p, now, err := s.checkCreate(ctx, who, p, requestID)
	if err != nil {
		return nil, err
	}
	build := func(id string) (*pb.Participant, []*eventsv1.Envelope, error) {
		p.Id = id
		p.CreateTime = timestamppb.New(now)
		p.UpdateTime = p.CreateTime
		p.Etag = ""
		for _, c := range p.GetConsents() {
			if c.GetGivenTime() == nil {
				c.GivenTime = p.CreateTime
			}
		}
		ev, err := s.event(events.ParticipantRegistered, id, &eventsv1.ParticipantRegistered{Facts: Facts(p, now)})
		if err != nil {
			return nil, nil, err
		}
		return p, []*eventsv1.Envelope{ev}, nil
	}
	out, err := people.Create(ctx, s.repo, who, "participant", requestID, s.recordIDs.New, build)
	if err != nil {
		return nil, err
	}
	// out is this call's own (what build made, or a record decoded for
	// it: CreateNew and CreateOnce keep no reference to it), so the etag goes
	// on it rather than on a copy of the whole record (withEtag).
	out.Etag = "" // so Etag hashes the record as stored
	out.Etag = store.Etag(out)
	return out, nil
}

// ValidateCreate checks p and requestID as Create does (every field
// violation, then the caller's role and scope) and stores and publishes
// nothing: the gateway asks it when it refuses a consent itself, so one
// answer lists every problem (ADR 0132). p is normalised in place, as in
// Create. Returns Invalid, PermissionDenied.
func (s *Service) ValidateCreate(ctx context.Context, who auth.Claims, p *pb.Participant, requestID string) error {
	_, _, err := s.checkCreate(ctx, who, p, requestID)
	return err
}

// checkCreate returns p normalised (in place: no copy of the whole
// record per create, see Create) and checked for Create, and the time it
// was checked at.
func (s *Service) checkCreate(ctx context.Context, who auth.Claims, p *pb.Participant, requestID string) (*pb.Participant, time.Time, error) {
	if !people.CanWrite(who) {
		return nil, time.Time{}, apperr.Errorf(apperr.PermissionDenied, "your role may not register participants")
	}
	if p == nil {
		p = &pb.Participant{}
	}
	if p.GetOrganisationId() == "" && who.Role == auth.RoleCoordinator {
		p.OrganisationId = who.Organisation
	}
	if p.GetHousehold() == nil {
		p.Household = &pb.Household{Size: 1}
	}
	p.Interests = people.NormInterests(p.GetInterests())                                              // "Trädgård" is "trädgård"
	p.GivenName, p.FamilyName = people.NormName(p.GetGivenName()), people.NormName(p.GetFamilyName()) // NFC, plain spaces (ADR 0264)
	people.NormContact(p.GetContact())                                                                // "070-123 45 67" is +46701234567
	now := s.now().UTC()
	var v apperr.Validator
	if requestID != "" && !ids.Valid(requestID) {
		v.Add("request_id", "must be 1 to 64 letters, digits, '-' or '_'")
	}
	validate(&v, "participant", p, now)
	seen := map[eventsv1.ConsentPurpose]bool{}
	if len(p.GetConsents()) > MaxConsents {
		v.Add("participant.consents", fmt.Sprintf("must list at most %d consents, one per purpose", MaxConsents))
	}
	for i, c := range p.GetConsents()[:min(len(p.GetConsents()), MaxConsents)] {
		f := fmt.Sprintf("participant.consents[%d]", i)
		validateConsent(&v, f, c, now)
		if seen[c.GetPurpose()] {
			v.Add(f+".purpose", "is listed twice: one consent per purpose")
		}
		seen[c.GetPurpose()] = true
	}
	if err := v.Err(); err != nil {
		return nil, now, err
	}
	if !who.CanSee(p.GetOrganisationId(), p.GetMunicipalityCode()) {
		return nil, now, apperr.Errorf(apperr.PermissionDenied, "you may only register participants in your organisation and municipalities")
	}
	// Scope before existence: a coordinator naming another organisation
	// gets the same answer whether it exists or not.
	if err := s.checkOrganisation(ctx, &v, "participant.organisation_id", p.GetOrganisationId()); err != nil {
		return nil, now, err
	}
	if err := v.Err(); err != nil {
		return nil, now, err
	}
	return p, now, nil
}

// Get returns participant id if the caller may see it. Returns NotFound for
// a participant outside the caller's organisation or municipalities, so
// their existence is not revealed, in its answer or its time: an id of no
// one is remembered in the cache as a record is (cache.Options.Absent),
// and a record loaded from the store for a caller who may not see it is
// answered after the leader read an id of no one costs (ADR 0235). The
// result may be shared with other callers (the in-process cache keeps it
// decoded): do not modify it.
func (s *Service) Get(ctx context.Context, who auth.Claims, id string) (*pb.Participant, error) {
	if !ids.Valid(id) {
		return nil, invalidID("id")
	}
	var loaded atomic.Bool
	p, err := cache.GetProtoShared(ctx, s.cache, cacheKey(id), func() *pb.Participant { return &pb.Participant{} },
		func(ctx context.Context) (*pb.Participant, error) {
			loaded.Store(true)
			return s.load(ctx, id)
		})
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil, apperr.Errorf(apperr.NotFound, "participant not found")
	}
	if err != nil {
		return nil, err
	}
	if !who.CanSee(p.GetOrganisationId(), p.GetMunicipalityCode()) {
		// Loaded for this call: the store read found it, where an id of
		// no one costs a read of the leader too (ADR 0235).
		if loaded.Load() {
			if err := s.repo.Conceal(ctx); apperr.ErrorCode(err) != apperr.NotFound {
				return nil, err
			}
		}
		return nil, apperr.Errorf(apperr.NotFound, "participant not found")
	}
	return p, nil
}

// ListFilter narrows List.
type ListFilter struct {
	MunicipalityCode string
	Language         string
	SwedishLevel     int32
	ConsentPurpose   eventsv1.ConsentPurpose
	OrganisationID   string
	// Name keeps participants with a name word starting with each word of
	// it (pkg/blind.Query).
	Name string
}

// List returns a page of the participants the caller may see that match f.
// Returns Invalid for a bad filter, page size or token.
func (s *Service) List(_ context.Context, who auth.Claims, f ListFilter, pageSize int32, pageToken string) ([]*pb.Participant, string, int, error) {
	var v apperr.Validator
	size, after := page.Check(&v, pageSize, pageToken)
	if f.MunicipalityCode != "" {
		people.Municipality(&v, "municipality_code", f.MunicipalityCode)
	}
	people.Language(&v, "language", f.Language, false)
	people.Enum(&v, "swedish_level", typev1.SwedishLevel(f.SwedishLevel), false)
	people.Enum(&v, "consent_purpose", f.ConsentPurpose, false)
	if f.OrganisationID != "" && !ids.Valid(f.OrganisationID) {
		v.Add("organisation_id", "is not an id")
	}
	words := blind.Query(&v, "name", f.Name)
	if len(words) > 0 && s.names == nil {
		v.Add("name", "cannot be searched here")
	}
	if err := v.Err(); err != nil {
		return nil, "", 0, err
	}
	q := store.Query[*pb.Participant]{After: after, Limit: size}
	switch {
	case len(words) > 0:
		// The longest word's term finds the fewest; the filter checks
		// the others on the records found.
		longest := slices.MaxFunc(words, func(a, b string) int { return len(a) - len(b) })
		q.Index, q.Values = nameIndex, []string{s.names.Term(longest)}
	case f.MunicipalityCode != "":
		q.Index, q.Values = "municipality", []string{f.MunicipalityCode}
	case who.Role == auth.RoleCoordinator:
		q.Index, q.Values = "municipality", who.Municipalities
	}
	now := s.now()
	q.Filter = func(p *pb.Participant) bool {
		if !who.CanSee(p.GetOrganisationId(), p.GetMunicipalityCode()) {
			return false
		}
		if f.MunicipalityCode != "" && p.GetMunicipalityCode() != f.MunicipalityCode {
			return false
		}
		if len(words) > 1 && !blind.Match(words, p.GetGivenName(), p.GetFamilyName()) {
			return false
		}
		if f.OrganisationID != "" && p.GetOrganisationId() != f.OrganisationID {
			return false
		}
		if f.SwedishLevel != 0 && int32(p.GetSwedishLevel()) != f.SwedishLevel {
			return false
		}
		if f.Language != "" && !slices.ContainsFunc(p.GetLanguages(), func(l *typev1.LanguageSkill) bool { return l.GetCode() == f.Language }) {
			return false
		}
		if f.ConsentPurpose != 0 && !HasConsent(p, f.ConsentPurpose, now) {
			return false
		}
		return true
	}
	// The total is counted once per version of the index for this scope
	// and filter (store.FindCounted); a name search is not kept.
	key := ""
	if len(words) == 0 {
		key = fmt.Sprintf("%s|%s|%q|%s|%s|%d|%d|%s", who.Role, who.Organisation, who.Municipalities,
			f.MunicipalityCode, f.Language, f.SwedishLevel, f.ConsentPurpose, f.OrganisationID)
	}
	res, err := s.repo.FindCounted(key, q)
	if err != nil {
		return nil, "", 0, err
	}
	out := make([]*pb.Participant, len(res.Items))
	for i, p := range res.Items {
		out[i] = withEtag(p, 0)
	}
	return out, page.Encode(res.Next), res.Total, nil
}

// Update applies the fields of p named by mask. A non-empty p.etag must
// match the stored version. Returns Invalid, NotFound, Conflict,
// PermissionDenied (moving a participant outside the caller's scope).
func (s *Service) Update(ctx context.Context, who auth.Claims, p *pb.Participant, mask []string) (*pb.Participant, error) {
	out, rev, err := people.Update(ctx, s.repo, s.cache, who, p, mask, cacheKey(p.GetId()), s.edit())
	if err != nil {
		return nil, err
	}
	return withEtag(out, rev), nil
}

// ValidateUpdate checks a change as Update does and stores, publishes
// and evicts nothing: the web edit form asks it when it refuses a field
// itself, so one answer lists every problem (ADR 0139). Returns Invalid,
// NotFound, Conflict, PermissionDenied.
func (s *Service) ValidateUpdate(ctx context.Context, who auth.Claims, p *pb.Participant, mask []string) error {
	return people.ValidateUpdate(ctx, s.repo, who, p, mask, s.edit())
}

// edit is how Update and ValidateUpdate complete, check and stamp a
// changed participant, at the time of the call.
func (s *Service) edit() people.Edit[*pb.Participant] {
	now := s.now().UTC()
	return people.Edit[*pb.Participant]{
		Noun: "participant", Updatable: Updatable,
		Check: func(cur *pb.Participant, v *apperr.Validator) {
			if cur.GetHousehold() == nil {
				cur.Household = &pb.Household{Size: 1}
			}
			cur.Interests = people.NormInterests(cur.GetInterests())
			cur.GivenName, cur.FamilyName = people.NormName(cur.GetGivenName()), people.NormName(cur.GetFamilyName())
			people.NormContact(cur.GetContact())
			validate(v, "participant", cur, now)
		},
		// A move is checked; a newcomer who stays in an organisation
		// that has since closed is not touched (docs/adr/0202).
		Moved: func(ctx context.Context, cur, before *pb.Participant, v *apperr.Validator) error {
			if cur.GetOrganisationId() == before.GetOrganisationId() {
				return nil
			}
			return s.checkOrganisation(ctx, v, "participant.organisation_id", cur.GetOrganisationId())
		},
		Stamp: func(cur *pb.Participant) {
			cur.UpdateTime = timestamppb.New(now)
			cur.Etag = ""
		},
		Event: func(cur *pb.Participant, changed []string) (*eventsv1.Envelope, error) {
			return s.event(events.ParticipantUpdated, cur.GetId(), &eventsv1.ParticipantUpdated{Facts: Facts(cur, now), ChangedFields: changed})
		},
	}
}

// Delete removes a participant who leaves; Erase also purges every trace
// (the right to erasure). Both publish an event with the id only and evict
// cached copies. Returns NotFound.
func (s *Service) Delete(ctx context.Context, who auth.Claims, id string, erase bool) error {
	return people.Remove(ctx, s.repo, s.cache, who, "participant", id, cacheKey(id), erase, func(erase bool) (*eventsv1.Envelope, error) {
		if erase {
			return s.event(events.ParticipantErased, id, &eventsv1.ParticipantErased{ParticipantId: id})
		}
		return s.event(events.ParticipantDeleted, id, &eventsv1.ParticipantDeleted{ParticipantId: id})
	})
}

func (s *Service) event(subject, id string, payload proto.Message) (*eventsv1.Envelope, error) {
	return events.NewEnvelope(s.ids.New(), subject, id, s.now(), payload)
}

// withEtag returns a copy of p carrying its etag (store.Etag).
func withEtag(p *pb.Participant, _ uint64) *pb.Participant {
	p = proto.Clone(p).(*pb.Participant)
	p.Etag = "" // so Etag hashes the copy without copying it again
	p.Etag = store.Etag(p)
	return p
}

// invalidID is the error for an id field that cannot be an id.
func invalidID(field string) error { return apperr.FieldError(field, "is not an id") }

// notFound names the record in a NotFound answer (people.NotFound).
func notFound(err error) error { return people.NotFound(err, "participant") }
