// Package organisation holds the rules of the organisation register: the
// associations volunteers act for and the establishment-guide
// organisations with their capacity per municipality and language.
// Organisations are not personal data, so every signed-in caller may read
// them; only admins change them, since coordinators' scope hangs on them.
package organisation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/fieldmask"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/pkg/store"
)

// Bucket is the KV bucket holding organisations.
const Bucket = "organisations"

// Limits on an organisation record.
const (
	MaxNameRunes       = 200
	MaxCapacity        = 10000
	MaxGuideCapacities = 1000
)

// Updatable lists the fields UpdateOrganisation may change.
var Updatable = []string{"name", "type", "municipality_codes", "is_guide_organisation", "guide_capacities"}

// InUse reports whether anything still refers to an organisation, so that
// Delete does not leave volunteers pointing at nothing.
type InUse func(ctx context.Context, id string) (bool, error)

// Service is the organisation register.
type Service struct {
	repo  *store.Repo[*pb.Organisation]
	cache *cache.Cache
	now   func() time.Time
	ids   ids.Source
	inUse InUse
	// closing holds the marks a delete puts before it asks inUse
	// (closing.go); nil in tests that start no volunteers.
	closing *Closing
	// names holds the name claims (names.go); nil in tests that start no
	// service.
	names *Names
}

// New returns a Service over repo. inUse may be nil when nothing refers to
// organisations.
func New(repo *store.Repo[*pb.Organisation], c *cache.Cache, now func() time.Time, src ids.Source, inUse InUse) *Service {
	s := &Service{repo: repo, cache: c, now: now, ids: src, inUse: inUse}
	repo.OnChange(func(id string, _ *pb.Organisation, _ bool) { c.EvictAsync(cacheKey(id)) })
	return s
}

// RepoConfig returns the store configuration for organisations, with the
// index List filters by.
func RepoConfig(pub store.Publisher) store.Config[*pb.Organisation] {
	return store.Config[*pb.Organisation]{
		Bucket:    Bucket,
		New:       func() *pb.Organisation { return &pb.Organisation{} },
		Publisher: pub,
		Indexes: map[string]func(*pb.Organisation) []string{
			"municipality": func(o *pb.Organisation) []string { return o.GetMunicipalityCodes() },
			nameIndex:      func(o *pb.Organisation) []string { return []string{NameKey(o.GetName())} },
		},
	}
}

// MarkClosing makes Delete put a closing mark in c before it asks whether
// anything refers to the organisation, so a volunteer registered at the
// same moment on another replica is either seen by the delete or told
// the organisation is gone (StillOpen). Call it before serving.
func (s *Service) MarkClosing(c *Closing) { s.closing = c }

// CheckNames makes Create and Update hold one organisation per name by
// n's claims (names.go). Call it before serving, with n bound to the
// repository's Config (Names.Check).
func (s *Service) CheckNames(n *Names) { s.names = n }

func cacheKey(id string) string { return "organisation/" + id }

// Create registers o. requestID makes it idempotent per caller. Returns
// Invalid, PermissionDenied, AlreadyExists (a live organisation has the
// name, compared as NormaliseName does).
func (s *Service) Create(ctx context.Context, who auth.Claims, o *pb.Organisation, requestID string) (*pb.Organisation, error) {
	if who.Role != auth.RoleAdmin {
		return nil, apperr.Errorf(apperr.PermissionDenied, "only admins may register organisations")
	}
	if o == nil {
		o = &pb.Organisation{}
	}
	o = proto.Clone(o).(*pb.Organisation)
	o.Name = people.NormName(o.GetName()) // stored in NFC, spaces plain (ADR 0264)
	var v apperr.Validator
	if requestID != "" && !ids.Valid(requestID) {
		v.Add("request_id", "must be 1 to 64 letters, digits, '-' or '_'")
	}
	validate(&v, "organisation", o)
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	key := NameKey(o.GetName())
	claimed := ""
	build := func(id string) (*pb.Organisation, []*eventsv1.Envelope, error) {
		if s.names != nil {
			if sameName(s.repo, key, "") {
				return nil, nil, errNameTaken
			}
			if err := s.names.claim(ctx, key, id); err != nil {
				return nil, nil, err
			}
			claimed = id
		}
		o.Id = id
		o.CreateTime = timestamppb.New(now)
		o.UpdateTime = o.CreateTime
		o.Etag = ""
		ev, err := s.event(events.OrganisationCreated, id, &eventsv1.OrganisationCreated{Facts: Facts(o)})
		if err != nil {
			return nil, nil, err
		}
		return o, []*eventsv1.Envelope{ev}, nil
	}
	var out *pb.Organisation
	var err error
	if requestID == "" {
		// A call without a request id cannot be repeated: nothing of it
		// is remembered (docs/adr/0177).
		out, _, err = s.repo.CreateNew(ctx, s.ids.New, build)
	} else {
		out, _, err = s.repo.CreateOnce(ctx, who.Subject+"/"+requestID, s.ids.New, build)
		if s.names != nil && nameTaken(err) == errNameTaken && s.repo.Sync(ctx) == nil {
			// Perhaps the name is this request's own, stored by its
			// first attempt on another replica: with the index synced,
			// a repeat is answered from it, with no build.
			claimed = ""
			out, _, err = s.repo.CreateOnce(ctx, who.Subject+"/"+requestID, s.ids.New, build)
		}
	}
	if err != nil {
		if err = nameTaken(err); err == errNameTaken && claimed != "" {
			s.names.release(ctx, key, claimed)
		}
		return nil, err
	}
	return withEtag(out), nil
}

// Get returns organisation id to any signed-in caller. Returns Invalid,
// NotFound.
func (s *Service) Get(ctx context.Context, _ auth.Claims, id string) (*pb.Organisation, error) {
	if !ids.Valid(id) {
		return nil, invalidID("id")
	}
	o, err := cache.GetProto(ctx, s.cache, cacheKey(id), func() *pb.Organisation { return &pb.Organisation{} },
		func(ctx context.Context) (*pb.Organisation, error) {
			o, _, err := s.repo.Get(ctx, id)
			if err != nil {
				return nil, err
			}
			return withEtag(o), nil
		})
	if err != nil {
		return nil, notFound(err)
	}
	return o, nil
}

// Exists reports whether organisation id exists. It reads the bucket, not
// the cache or index, so a volunteer is never tied to an organisation that
// was just deleted on another replica.
func (s *Service) Exists(ctx context.Context, id string) (bool, error) {
	if !ids.Valid(id) {
		return false, nil
	}
	_, _, err := s.repo.Get(ctx, id)
	switch apperr.ErrorCode(err) {
	case "":
		return true, nil
	case apperr.NotFound:
		return false, nil
	default:
		return false, err
	}
}

// List returns a page of organisations, those serving municipality when it
// is not empty. Returns Invalid for a bad filter, page size or token.
func (s *Service) List(_ context.Context, _ auth.Claims, municipalityCode string, pageSize int32, pageToken string) ([]*pb.Organisation, string, int, error) {
	var v apperr.Validator
	size, after := page.Check(&v, pageSize, pageToken)
	if municipalityCode != "" {
		people.Municipality(&v, "municipality_code", municipalityCode)
	}
	if err := v.Err(); err != nil {
		return nil, "", 0, err
	}
	q := store.Query[*pb.Organisation]{After: after, Limit: size}
	if municipalityCode != "" {
		q.Index, q.Values = "municipality", []string{municipalityCode}
	}
	p, err := s.repo.Find(q)
	if err != nil {
		return nil, "", 0, err
	}
	out := make([]*pb.Organisation, len(p.Items))
	for i, o := range p.Items {
		out[i] = withEtag(o)
	}
	return out, page.Encode(p.Next), p.Total, nil
}

// Update applies the fields of o named by mask. A non-empty o.etag must
// match the stored version. Returns Invalid, NotFound, Conflict,
// PermissionDenied, AlreadyExists (another live organisation has the new
// name).
func (s *Service) Update(ctx context.Context, who auth.Claims, o *pb.Organisation, mask []string) (*pb.Organisation, error) {
	if who.Role != auth.RoleAdmin {
		return nil, apperr.Errorf(apperr.PermissionDenied, "only admins may change organisations")
	}
	if o == nil || !ids.Valid(o.GetId()) {
		return nil, invalidID("organisation.id")
	}
	o = proto.Clone(o).(*pb.Organisation)
	o.Name = people.NormName(o.GetName()) // stored in NFC, spaces plain (ADR 0264)
	now := s.now().UTC()
	oldKey, newKey, err := s.claimRename(ctx, o, mask)
	if err != nil {
		return nil, err
	}
	out, _, err := s.repo.Update(ctx, o.GetId(), func(cur *pb.Organisation, _ uint64) (store.Change, error) {
		if o.GetEtag() != "" && o.GetEtag() != store.Etag(cur) {
			return nil, apperr.Errorf(apperr.Conflict, "the organisation was changed by someone else; reload and try again")
		}
		before := proto.Clone(cur).(*pb.Organisation)
		if _, err := fieldmask.Apply(cur, o, mask, Updatable, "update_mask"); err != nil {
			return nil, err
		}
		var v apperr.Validator
		validate(&v, "organisation", cur)
		if err := v.Err(); err != nil {
			return nil, err
		}
		if len(fieldmask.Changed(before, cur)) == 0 {
			return nil, nil
		}
		cur.UpdateTime = timestamppb.New(now)
		cur.Etag = ""
		ev, err := s.event(events.OrganisationUpdated, cur.GetId(), &eventsv1.OrganisationUpdated{Facts: Facts(cur)})
		if err != nil {
			return nil, err
		}
		return store.Change{ev}, nil
	})
	if err != nil {
		if err = nameTaken(err); newKey != "" && apperr.ErrorCode(err) != apperr.Unavailable {
			s.names.release(ctx, newKey, o.GetId())
		}
		return nil, notFound(err)
	}
	if newKey != "" && NameKey(out.GetName()) == newKey {
		s.names.release(ctx, oldKey, o.GetId())
	}
	_ = s.cache.Invalidate(ctx, cacheKey(out.GetId()))
	return withEtag(out), nil
}

// Delete removes organisation id. Returns Invalid, NotFound,
// PermissionDenied, and FailedPrecondition while volunteers still act for
// it: they must be moved or removed first.
func (s *Service) Delete(ctx context.Context, who auth.Claims, id string) error {
	if who.Role != auth.RoleAdmin {
		return apperr.Errorf(apperr.PermissionDenied, "only admins may remove organisations")
	}
	if !ids.Valid(id) {
		return invalidID("id")
	}
	cur, _, err := s.repo.Get(ctx, id)
	if err != nil {
		return notFound(err)
	}
	var marked time.Time
	var markRev uint64
	if s.closing != nil {
		// The mark goes first: a volunteer stored before it is in the
		// index below; one stored after it sees the mark (closing.go).
		marked = time.Now()
		rev, err := s.closing.mark(ctx, id)
		if err != nil {
			return err
		}
		markRev = rev
	}
	if err := s.checkUnused(ctx, id); err != nil {
		if s.closing != nil {
			s.closing.unmark(ctx, id, markRev)
		}
		return err
	}
	ev, err := s.event(events.OrganisationDeleted, id, &eventsv1.OrganisationDeleted{OrganisationId: id})
	if err != nil {
		return err
	}
	rctx := ctx
	if s.closing != nil {
		// Creates stop waiting on a mark closingStale old: the removal
		// must be stored well before, or not at all.
		left := closingLimit - time.Since(marked)
		if left <= 0 {
			s.closing.unmark(ctx, id, markRev)
			return apperr.Errorf(apperr.Unavailable, "the organisation could not be removed in time; try again")
		}
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, left)
		defer cancel()
	}
	if err := s.repo.Remove(rctx, id, false, ev); err != nil {
		if s.closing != nil {
			// Not removed, as far as the bucket tells, but the removal
			// may still land: fenced off, creates may go on. Otherwise
			// the mark stays, stale after closingStale (ADR 0152).
			_ = s.fence(ctx, id, markRev)
		}
		return notFound(err)
	}
	if s.names != nil {
		// Removed: its name is free again. A crash before this leaves
		// a claim the next create of the name takes over (names.go).
		s.names.release(ctx, NameKey(cur.GetName()), id)
	}
	_ = s.cache.Invalidate(ctx, cacheKey(id))
	return nil
}

// claimRename claims the new name of an update of o that renames it,
// before the update is written; it returns the old and new keys, both
// empty when no claim was made.
func (s *Service) claimRename(ctx context.Context, o *pb.Organisation, mask []string) (string, string, error) {
	if s.names == nil || !slices.Contains(mask, "name") {
		return "", "", nil
	}
	var v apperr.Validator
	validateName(&v, "organisation.name", o.GetName())
	if v.Err() != nil {
		return "", "", nil // the update reports it
	}
	cur, ok := s.repo.Lookup(o.GetId())
	if !ok {
		return "", "", nil // the update reports it
	}
	oldKey, newKey := NameKey(cur.GetName()), NameKey(o.GetName())
	if oldKey == newKey {
		return "", "", nil
	}
	if sameName(s.repo, newKey, o.GetId()) {
		return "", "", errNameTaken
	}
	if err := s.names.claim(ctx, newKey, o.GetId()); err != nil {
		return "", "", err
	}
	return oldKey, newKey, nil
}

// checkUnused refuses a delete of id while anything refers to it.
func (s *Service) checkUnused(ctx context.Context, id string) error {
	if s.inUse == nil {
		return nil
	}
	used, err := s.inUse(ctx, id)
	if err != nil {
		return err
	}
	if used {
		return apperr.Errorf(apperr.FailedPrecondition, "volunteers still act for this organisation; move or remove them first")
	}
	return nil
}

func (s *Service) event(subject, id string, payload proto.Message) (*eventsv1.Envelope, error) {
	return events.NewEnvelope(s.ids.New(), subject, id, s.now(), payload)
}

// Facts is what other services learn about o. The type travels as its enum
// name so consumers need not import the volunteers API.
func Facts(o *pb.Organisation) *eventsv1.OrganisationFacts {
	return proto.Clone(&eventsv1.OrganisationFacts{
		OrganisationId:    o.GetId(),
		Type:              o.GetType().String(),
		MunicipalityCodes: o.GetMunicipalityCodes(),
		GuideCapacities:   o.GetGuideCapacities(),
	}).(*eventsv1.OrganisationFacts)
}

func validate(v *apperr.Validator, field string, o *pb.Organisation) {
	validateName(v, field+".name", o.GetName())
	people.Enum(v, field+".type", o.GetType(), true)
	codes := o.GetMunicipalityCodes()
	maxCodes := len(municipality.All())
	switch {
	case len(codes) == 0:
		v.Add(field+".municipality_codes", "must list at least one municipality served")
	case len(codes) > maxCodes:
		v.Add(field+".municipality_codes", fmt.Sprintf("must list at most %d municipalities", maxCodes))
	default:
		seen := map[string]bool{}
		for i, c := range codes {
			f := fmt.Sprintf("%s.municipality_codes[%d]", field, i)
			people.Municipality(v, f, c)
			if seen[c] {
				v.Add(f, "is listed twice")
			}
			seen[c] = true
		}
	}
	caps := o.GetGuideCapacities()
	if len(caps) > 0 && !o.GetIsGuideOrganisation() {
		v.Add(field+".guide_capacities", "only guide organisations (is_guide_organisation) have guide capacities")
		return
	}
	if len(caps) > MaxGuideCapacities {
		v.Add(field+".guide_capacities", fmt.Sprintf("must list at most %d capacities", MaxGuideCapacities))
		return
	}
	type key struct{ muni, lang string }
	seen := map[key]bool{}
	for i, c := range caps {
		f := fmt.Sprintf("%s.guide_capacities[%d]", field, i)
		people.Municipality(v, f+".municipality_code", c.GetMunicipalityCode())
		if municipality.Valid(c.GetMunicipalityCode()) && !slices.Contains(codes, c.GetMunicipalityCode()) {
			v.Add(f+".municipality_code", "must be one of the municipalities the organisation serves")
		}
		people.Language(v, f+".language", c.GetLanguage(), true)
		if c.GetCapacity() < 0 || c.GetCapacity() > MaxCapacity {
			v.Add(f+".capacity", fmt.Sprintf("must be between 0 and %d", MaxCapacity))
		}
		k := key{c.GetMunicipalityCode(), c.GetLanguage()}
		if seen[k] {
			v.Add(f, "repeats a municipality and language listed before")
		}
		seen[k] = true
	}
}

// validateName holds organisation names to the rules of personal names
// (pkg/people) with a longer limit: associations have long names. The
// name is passed through people.NormName first (ADR 0264).
func validateName(v *apperr.Validator, field, s string) {
	switch {
	case s == "":
		v.Add(field, "is required")
	case len(s) > 4*MaxNameRunes || utf8.RuneCountInString(s) > MaxNameRunes:
		v.Add(field, fmt.Sprintf("must be at most %d characters", MaxNameRunes))
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8 text")
	case strings.TrimSpace(s) != s:
		v.Add(field, "must not start or end with spaces")
	case people.NameRuneProblem(s) != "":
		v.Add(field, people.NameRuneProblem(s))
	}
}

// withEtag returns a copy of o carrying its etag (store.Etag).
func withEtag(o *pb.Organisation) *pb.Organisation {
	o = proto.Clone(o).(*pb.Organisation)
	o.Etag = store.Etag(o)
	return o
}

// invalidID is the error for an id field that cannot be an id.
func invalidID(field string) error { return apperr.FieldError(field, "is not an id") }

func notFound(err error) error {
	if apperr.ErrorCode(err) == apperr.NotFound {
		return apperr.Errorf(apperr.NotFound, "organisation not found")
	}
	return err
}
