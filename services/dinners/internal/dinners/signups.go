package dinners

import (
	"context"
	"fmt"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/fieldmask"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/store"
)

// validateParty checks a party against the organisation's largest table.
func validateParty(v *apperr.Validator, field string, party []*pb.PartyMember, largest int) {
	if len(party) == 0 || len(party) > largest {
		v.Add(field, fmt.Sprintf("must have 1 to %d people (the largest table)", largest))
	}
	selves := 0
	for k, m := range party {
		f := fmt.Sprintf("%s[%d]", field, k)
		v.Check(m.GetAge() >= 0 && m.GetAge() <= 120, f+".age", "must be from 0 to 120")
		if _, ok := pb.Relation_name[int32(m.GetRelation())]; !ok || m.GetRelation() == 0 {
			v.Add(f+".relation", "must be a relation")
		}
		if m.GetRelation() == pb.Relation_RELATION_SELF {
			selves++
		}
	}
	if len(party) > 0 && selves != 1 {
		v.Add(field, "must have exactly one member with relation SELF")
	}
}

func (s *Service) validateDates(v *apperr.Validator, field string, dates []string) {
	if len(dates) == 0 || len(dates) > maxDates {
		v.Add(field, fmt.Sprintf("must list 1 to %d dates", maxDates))
	}
	today := s.today()
	for k, d := range dates {
		validDate(v, fmt.Sprintf("%s[%d]", field, k), d, today)
		if slices.Index(dates, d) != k {
			v.Add(fmt.Sprintf("%s[%d]", field, k), "is given twice")
		}
	}
}

// validateSignUp adds every problem of a new sign-up to v.
func (s *Service) validateSignUp(v *apperr.Validator, su *pb.SignUp) {
	if su == nil {
		v.Add("sign_up", "is required")
		return
	}
	validPlace(v, "sign_up.", su.GetOrganisationId(), su.GetMunicipalityCode(), su.GetPostcode(), su.GetLocation())
	v.Check(ids.Valid(su.GetParticipantId()), "sign_up.participant_id", "is not an id")
	validateParty(v, "sign_up.party", su.GetParty(), s.rules.For(su.GetOrganisationId()).LargestTable)
	validDiets(v, "sign_up.diets", su.GetDiets())
	validAllergens(v, "sign_up.allergens", su.GetAllergens())
	validLevel(v, "sign_up.swedish_level", su.GetSwedishLevel())
	validLanguages(v, "sign_up.languages", su.GetLanguages())
	s.validateDates(v, "sign_up.dates", su.GetDates())
	validComposition(v, "sign_up.composition", su.GetComposition())
	validClass(v, "sign_up.sfi_class", su.GetSfiClass())
}

func validLevel(v *apperr.Validator, field string, l typev1.SwedishLevel) {
	if _, ok := typev1.SwedishLevel_name[int32(l)]; !ok || l == 0 {
		v.Add(field, "must be a Swedish level")
	}
}

func validClass(v *apperr.Validator, field, class string) {
	v.Check(class == "" || ids.Valid(class), field, "must be 1 to 64 letters, digits, '-' or '_'")
}

// CreateSignUp records a newcomer's sign-up, once per request id. The
// newcomer must be in the pool (consent to the dinners purpose) and
// registered by the organisation. Returns Invalid, PermissionDenied.
func (s *Service) CreateSignUp(ctx context.Context, who auth.Claims, requestID string, in *pb.SignUp) (*pb.SignUp, error) {
	if err := s.ValidateSignUpCreate(who, requestID, in); err != nil {
		return nil, err
	}
	su, _, err := s.signups.CreateOnce(ctx, requestKey(who, "signup", requestID), derivedID(who, "signup", requestID), func(id string) (*pb.SignUp, []*eventsv1.Envelope, error) {
		su := clone(in)
		su.Id, su.CreateTime, su.NoShowStreak = id, timestamppb.New(s.now().UTC()), 0
		slices.Sort(su.Dates)
		su.Etag = store.Etag(su)
		return su, nil, nil
	})
	if err != nil {
		return nil, err
	}
	return s.signUpView(su), nil
}

// ValidateSignUpCreate checks a sign-up as CreateSignUp does (the request
// id, every field violation, the caller's scope, the newcomer) and stores
// nothing: a request with validate_only, which the web form asks when it
// refuses a field itself, so one answer lists every problem (ADR 0144).
// Returns what CreateSignUp returns.
func (s *Service) ValidateSignUpCreate(who auth.Claims, requestID string, in *pb.SignUp) error {
	if err := canAct(who); err != nil {
		return err
	}
	// One validator for the request id and the sign-up, as the offer's
	// create has: a script that left out the request id was told only
	// that, and its wrong fields one call later (outside round s29).
	var v apperr.Validator
	v.Check(ids.Valid(requestID), "request_id", "must be 1 to 64 letters, digits, '-' or '_'")
	s.validateSignUp(&v, in)
	if err := v.Err(); err != nil {
		return err
	}
	if !who.CanSee(in.GetOrganisationId(), in.GetMunicipalityCode()) {
		return apperr.Errorf(apperr.PermissionDenied, "you may not create sign-ups for that organisation or municipality")
	}
	g, ok := s.pool.Guest(in.GetParticipantId())
	if !ok || g.GetOrganisationId() != in.GetOrganisationId() {
		return apperr.FieldError("sign_up.participant_id", "is not a newcomer of the organisation with consent to dinners")
	}
	return nil
}

// signUpView adds the newcomer's no-show streak.
func (s *Service) signUpView(su *pb.SignUp) *pb.SignUp {
	su = clone(su)
	su.NoShowStreak = int32(s.noShowStreak(su.GetParticipantId()))
	return su
}

// noShowStreak counts the newcomer's held dinners, newest first, at which
// they did not come, up to the first they came to.
func (s *Service) noShowStreak(participantID string) int {
	found, _ := s.seatings.Find(store.Query[*pb.Seating]{Index: "participant", Values: []string{participantID},
		Filter: func(p *pb.Seating) bool { return p.GetStatus() == held || p.GetCancelledLate() }})
	items := slices.Clone(found.Items)
	slices.SortFunc(items, func(a, b *pb.Seating) int { return compareStr(b.GetDate(), a.GetDate()) })
	n := 0
	for _, p := range items {
		if !noShow(p) {
			break
		}
		n++
	}
	return n
}

// noShow: the newcomer (the SELF member) did not come, or cancelled late.
func noShow(p *pb.Seating) bool {
	if p.GetCancelledLate() {
		return true
	}
	for _, a := range p.GetAttendance() {
		if a.GetMember() == 0 {
			return a.GetAttendance() != eventsv1.Attendance_ATTENDANCE_CAME
		}
	}
	return false
}

// GetSignUp returns sign-up id if the caller may see it. Returns Invalid,
// NotFound, PermissionDenied.
func (s *Service) GetSignUp(ctx context.Context, who auth.Claims, id string) (*pb.SignUp, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, apperr.FieldError("id", "is not an id")
	}
	// One the caller may not see costs what an id of no one costs
	// (ADR 0235).
	su, _, err := s.signups.GetVisible(ctx, id, func(su *pb.SignUp) bool { return who.CanSee(su.GetOrganisationId(), su.GetMunicipalityCode()) })
	if err != nil {
		return nil, notFound(err, "sign-up")
	}
	return s.signUpView(su), nil
}

// ListSignUps returns a page of the sign-ups the caller may see. Returns
// Invalid, PermissionDenied.
func (s *Service) ListSignUps(_ context.Context, who auth.Claims, muni, participant string, size int32, token string) ([]*pb.SignUp, string, int, error) {
	if err := canAct(who); err != nil {
		return nil, "", 0, err
	}
	var v apperr.Validator
	v.Check(muni == "" || municipality.Valid(muni), "municipality_code", "is not an SCB municipality code")
	v.Check(participant == "" || ids.Valid(participant), "participant_id", "must be 1 to 64 letters, digits, '-' or '_'")
	limit, after := page.Check(&v, size, token)
	if err := v.Err(); err != nil {
		return nil, "", 0, err
	}
	found, err := s.signups.Find(store.Query[*pb.SignUp]{After: after, Limit: limit, Filter: func(su *pb.SignUp) bool {
		return who.CanSee(su.GetOrganisationId(), su.GetMunicipalityCode()) && (muni == "" || su.GetMunicipalityCode() == muni) &&
			(participant == "" || su.GetParticipantId() == participant)
	}})
	if err != nil {
		return nil, "", 0, err
	}
	out := make([]*pb.SignUp, len(found.Items))
	for k, su := range found.Items {
		out[k] = s.signUpView(su)
	}
	return out, page.Encode(found.Next), found.Total, nil
}

// updatable are the sign-up paths UpdateSignUp changes.
// The newcomer, organisation and municipality stay (a sign-up in
// another municipality is a new sign-up, in that scope).
var updatable = []string{"party", "diets", "allergens", "dates", "first_time", "swedish_level", "languages", "composition", "sfi_class", "postcode"}

// setPath copies path from src to dst (a path of updatable).
func setPath(dst, src *pb.SignUp, path string) {
	switch path {
	case "party":
		dst.Party = src.GetParty()
	case "diets":
		dst.Diets = src.GetDiets()
	case "allergens":
		dst.Allergens = src.GetAllergens()
	case "dates":
		dst.Dates = slices.Sorted(slices.Values(src.GetDates()))
	case "first_time":
		dst.FirstTime = src.GetFirstTime()
	case "swedish_level":
		dst.SwedishLevel = src.GetSwedishLevel()
	case "languages":
		dst.Languages = src.GetLanguages()
	case "composition":
		dst.Composition = src.GetComposition()
	case "sfi_class":
		dst.SfiClass = src.GetSfiClass()
	case "postcode":
		dst.Postcode = src.GetPostcode()
	}
}

// UpdateSignUp changes the fields in paths. A new party size is carried
// to the sign-up's live seatings first: a confirmed one takes or frees
// seats at once (never more than the table has), so the change fails as a
// whole with FailedPrecondition when the table is full; a change the
// sign-up then refuses (its etag moved) puts the seatings back. Returns Invalid,
// NotFound, PermissionDenied, Aborted (etag), FailedPrecondition.
func (s *Service) UpdateSignUp(ctx context.Context, who auth.Claims, in *pb.SignUp, paths []string, etag string) (*pb.SignUp, error) {
	cur, next, err := s.checkSignUpUpdate(ctx, who, in, paths, etag)
	if err != nil {
		return nil, err
	}
	party := slices.Contains(paths, "party")
	if party {
		if err := s.resize(ctx, who.Subject, cur.GetId(), int32(len(next.GetParty()))); err != nil {
			return nil, err
		}
	}
	stored := int32(-1) // the party size of a sign-up that refused the change
	out, _, err := s.signups.Update(ctx, cur.GetId(), func(su *pb.SignUp, _ uint64) (store.Change, error) {
		if etag != "" && su.GetEtag() != etag {
			stored = int32(len(su.GetParty()))
			return nil, apperr.Errorf(apperr.Conflict, "the sign-up changed since you read it")
		}
		stored = -1
		for _, p := range paths {
			setPath(su, next, p)
		}
		su.NoShowStreak = 0
		su.Etag = store.Etag(su)
		return nil, nil
	})
	if err != nil {
		if party && stored >= 0 {
			// The seatings took the new size before the sign-up refused
			// it (someone changed the sign-up meanwhile): they go back to
			// the party the sign-up holds, so a refused change does not
			// keep the table's seats. Back from a growth always lands;
			// back from a shrink needs the freed seats still free.
			if rerr := s.resize(context.WithoutCancel(ctx), who.Subject, cur.GetId(), stored); rerr != nil {
				s.log.WarnContext(ctx, "dinners: seatings not put back to the sign-up's party", "err", rerr)
			}
		}
		return nil, notFound(err, "sign-up")
	}
	if party {
		// Again after the write, for a seating a job wrote after the
		// resize above searched: the job checks the sign-up after its
		// write, so it either sees the new party or wrote before this.
		if err := s.resize(context.WithoutCancel(ctx), who.Subject, cur.GetId(), int32(len(out.GetParty()))); err != nil {
			s.log.WarnContext(ctx, "dinners: seatings not resized after the sign-up's write", "err", err)
		}
	}
	return s.signUpView(out), nil
}

// ValidateSignUpUpdate checks a change as UpdateSignUp does before it
// writes (the mask, the sign-up in the caller's scope, every field
// violation, the etag) and writes nothing: a request with validate_only,
// which the web edit form asks when it refuses a field itself, so one
// answer lists every problem (ADR 0139). A new party size is not tried
// on the sign-up's seatings: that is a write (seats taken or freed), and
// a full table is no mistake in the form. Returns Invalid, NotFound,
// PermissionDenied, Aborted (etag).
func (s *Service) ValidateSignUpUpdate(ctx context.Context, who auth.Claims, in *pb.SignUp, paths []string, etag string) error {
	_, _, err := s.checkSignUpUpdate(ctx, who, in, paths, etag)
	return err
}

// checkSignUpUpdate reads sign-up in.Id in who's scope and returns it with
// the fields in paths changed, checked as UpdateSignUp checks them before
// it writes.
func (s *Service) checkSignUpUpdate(ctx context.Context, who auth.Claims, in *pb.SignUp, paths []string, etag string) (cur, next *pb.SignUp, err error) {
	var v apperr.Validator
	fieldmask.Require(&v, paths, updatable, "update_mask")
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	cur, err = s.GetSignUp(ctx, who, in.GetId())
	if err != nil {
		return nil, nil, err
	}
	next = clone(cur)
	for _, p := range paths {
		setPath(next, in, p)
	}
	next.CreateTime = cur.GetCreateTime()
	if err := s.validateUpdate(next, paths); err != nil {
		return nil, nil, err
	}
	if etag != "" && etag != cur.GetEtag() {
		return nil, nil, apperr.Errorf(apperr.Conflict, "the sign-up changed since you read it")
	}
	return cur, next, nil
}

// validateUpdate checks the changed fields of a sign-up, with the field
// names of the request.
func (s *Service) validateUpdate(su *pb.SignUp, paths []string) error {
	var v apperr.Validator
	for _, p := range paths {
		switch p {
		case "party":
			validateParty(&v, "sign_up.party", su.GetParty(), s.rules.For(su.GetOrganisationId()).LargestTable)
		case "diets":
			validDiets(&v, "sign_up.diets", su.GetDiets())
		case "allergens":
			validAllergens(&v, "sign_up.allergens", su.GetAllergens())
		case "dates":
			s.validateDates(&v, "sign_up.dates", su.GetDates())
		case "swedish_level":
			validLevel(&v, "sign_up.swedish_level", su.GetSwedishLevel())
		case "languages":
			validLanguages(&v, "sign_up.languages", su.GetLanguages())
		case "composition":
			validComposition(&v, "sign_up.composition", su.GetComposition())
		case "sfi_class":
			validClass(&v, "sign_up.sfi_class", su.GetSfiClass())
		case "postcode":
			v.Check(su.GetPostcode() == "" || postcodeRE.MatchString(su.GetPostcode()), "sign_up.postcode", "must be five digits")
		}
	}
	return v.Err()
}

// DeleteSignUp removes a sign-up and cancels its live seatings. Returns
// Invalid, NotFound, PermissionDenied.
func (s *Service) DeleteSignUp(ctx context.Context, who auth.Claims, id string) error {
	su, err := s.GetSignUp(ctx, who, id)
	if err != nil {
		return err
	}
	// Before the remove, so a failure leaves the sign-up to delete again;
	// and after it, for a seating a job wrote in between (see DeleteOffer).
	if err := s.endSeatings(ctx, who.Subject, su.GetId()); err != nil {
		return err
	}
	if err := s.signups.Remove(ctx, id, false); err != nil {
		return notFound(err, "sign-up")
	}
	return s.endSeatings(ctx, who.Subject, su.GetId())
}
