package dinners

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/lang"
	"github.com/motesplats/motesplats/pkg/municipality"
	"github.com/motesplats/motesplats/pkg/page"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/dinners/internal/pool"
)

// Caps on an offer's and a sign-up's lists, as documented in the proto.
// maxDinners counts the dinners ahead an offer is made with (nothing adds
// one ahead later); maxPastDinners the dinners before today an admin may
// record on one offer (RecordPastSeating): one a day for the year back a
// record may reach, so any host's year of paper records fits, and an offer
// holds at most 382 dates in all (about 9 KB of them; ADR 0277).
const (
	maxDinners     = 16
	maxPastDinners = 366
	maxSeats       = 12
	maxDiets       = 8
	maxAllergens   = 10
	maxLanguages   = 8
	maxDates       = 56
)

var (
	postcodeRE = regexp.MustCompile(`^[1-9][0-9]{4}$`)
	clockRE    = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// validPlace checks the shared where-fields of offers and sign-ups.
func validPlace(v *apperr.Validator, prefix, org, muni, postcode string, loc *pb.Location) {
	v.Check(ids.Valid(org), prefix+"organisation_id", "is not an id")
	v.Check(municipality.Valid(muni), prefix+"municipality_code", "is not an SCB municipality code")
	v.Check(postcode == "" || postcodeRE.MatchString(postcode), prefix+"postcode", "must be five digits")
	if loc != nil {
		v.Check(loc.GetLat() >= -90 && loc.GetLat() <= 90, prefix+"location.lat", "must be from -90 to 90")
		v.Check(loc.GetLon() >= -180 && loc.GetLon() <= 180, prefix+"location.lon", "must be from -180 to 180")
	}
}

func validDiets(v *apperr.Validator, field string, ds []typev1.Diet) {
	v.Check(len(ds) <= maxDiets, field, fmt.Sprintf("at most %d", maxDiets))
	for k, d := range ds {
		if _, ok := typev1.Diet_name[int32(d)]; !ok || d == 0 {
			v.Add(fmt.Sprintf("%s[%d]", field, k), "is not a diet code")
		} else if slices.Index(ds, d) != k {
			v.Add(fmt.Sprintf("%s[%d]", field, k), "is given twice")
		}
	}
}

func validAllergens(v *apperr.Validator, field string, as []pb.Allergen) {
	v.Check(len(as) <= maxAllergens, field, fmt.Sprintf("at most %d", maxAllergens))
	for k, a := range as {
		if _, ok := pb.Allergen_name[int32(a)]; !ok || a == 0 {
			v.Add(fmt.Sprintf("%s[%d]", field, k), "is not an allergen code")
		} else if slices.Index(as, a) != k {
			v.Add(fmt.Sprintf("%s[%d]", field, k), "is given twice")
		}
	}
}

func validLanguages(v *apperr.Validator, field string, ls []string) {
	v.Check(len(ls) <= maxLanguages, field, fmt.Sprintf("at most %d", maxLanguages))
	for k, l := range ls {
		if !lang.Valid(l) {
			v.Add(fmt.Sprintf("%s[%d]", field, k), "is not an ISO 639-1 language code")
		}
	}
}

func validComposition(v *apperr.Validator, field string, c pb.Composition) {
	if _, ok := pb.Composition_name[int32(c)]; !ok || c == 0 {
		v.Add(field, "must be a household composition")
	}
}

// validDate checks a YYYY-MM-DD date from today to a year ahead. The
// year bounds a typo ("2062" for "2026"): such a sign-up waited for a
// seat for decades, counted on the waiting list and the reports, and such
// an offer held its host past any retention (ADR 0195).
func validDate(v *apperr.Validator, field, date, today string) {
	_, err := time.Parse(time.DateOnly, date)
	switch {
	case err != nil:
		v.Add(field, "must be a date YYYY-MM-DD")
	case date < today:
		v.Add(field, "is in the past")
	case date > horizon(today):
		v.Add(field, "must be within a year from today")
	}
}

// horizon is the last day a dinner or a sign-up's date may fall on: a
// year after today (today as YYYY-MM-DD, in Stockholm).
func horizon(today string) string {
	t, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return today
	}
	return t.AddDate(1, 0, 0).Format(time.DateOnly)
}

// validateOffer checks a new offer and returns the caller's problems.
func (s *Service) validateOffer(v *apperr.Validator, o *pb.Offer) error {
	if o == nil {
		v.Add("offer", "is required")
		return v.Err()
	}
	validPlace(v, "offer.", o.GetOrganisationId(), o.GetMunicipalityCode(), o.GetPostcode(), o.GetLocation())
	validAddress(v, "offer.address", o.GetAddress())
	v.Check(ids.Valid(o.GetVolunteerId()), "offer.volunteer_id", "is not an id")
	v.Check(o.GetSeats() >= 1 && o.GetSeats() <= maxSeats, "offer.seats", fmt.Sprintf("must be from 1 to %d", maxSeats))
	n := len(o.GetDinners())
	v.Check(n >= 1 && n <= maxDinners, "offer.dinners", fmt.Sprintf("must list 1 to %d dinners", maxDinners))
	today := s.today()
	seen := map[string]bool{}
	for k, d := range o.GetDinners() {
		f := fmt.Sprintf("offer.dinners[%d]", k)
		validDate(v, f+".date", d.GetDate(), today)
		v.Check(!seen[d.GetDate()], f+".date", "is given twice")
		seen[d.GetDate()] = true
		v.Check(clockRE.MatchString(d.GetStartTime()), f+".start_time", "must be a time HH:MM")
	}
	validDiets(v, "offer.kitchen.diets", o.GetKitchen().GetDiets())
	validAllergens(v, "offer.kitchen.allergens_handled", o.GetKitchen().GetAllergensHandled())
	validLanguages(v, "offer.languages", o.GetLanguages())
	validComposition(v, "offer.composition", o.GetComposition())
	return v.Err()
}

// CreateOffer records a host's offer, once per request id. The host must
// be in the pool (a dinner host of the organisation, with a valid
// background check when the rules require one; else a violation of
// offer.volunteer_id). Returns Invalid, PermissionDenied.
func (s *Service) CreateOffer(ctx context.Context, who auth.Claims, requestID string, in *pb.Offer) (*pb.Offer, error) {
	if err := s.ValidateOfferCreate(who, requestID, in); err != nil {
		return nil, err
	}
	o, _, err := s.offers.CreateOnce(ctx, requestKey(who, "offer", requestID), derivedID(who, "offer", requestID), func(id string) (*pb.Offer, []*eventsv1.Envelope, error) {
		o := clone(in)
		o.Id, o.CreateTime = id, timestamppb.New(s.now().UTC())
		// Output only, worked out at every read: never stored.
		o.HostStatus = pb.HostStatus_HOST_STATUS_UNSPECIFIED
		for _, d := range o.Dinners {
			d.Cancelled, d.SeatsTaken = false, 0
		}
		slices.SortFunc(o.Dinners, func(a, b *pb.Dinner) int { return compareStr(a.GetDate(), b.GetDate()) })
		o.Etag = store.Etag(o)
		return o, nil, nil
	})
	if err != nil {
		return nil, err
	}
	return s.offerView(o), nil
}

// ValidateOfferCreate checks an offer as CreateOffer does (the request id
// and every field violation, the caller's scope, the host and its
// background check) and stores nothing: a request with validate_only,
// which the web form asks when it refuses a field itself, so one answer
// lists every problem (ADR 0144). Returns what CreateOffer returns.
//
// The host is checked beside the fields, in the same answer (ADR 0148: a
// lapsed background check came only once the rest was right), but only
// for a caller who may act in the offer's organisation and municipality:
// anyone else learns nothing of the host, only the fields' violations or
// PermissionDenied, as before.
func (s *Service) ValidateOfferCreate(who auth.Claims, requestID string, in *pb.Offer) error {
	if err := canAct(who); err != nil {
		return err
	}
	var v apperr.Validator
	v.Check(ids.Valid(requestID), "request_id", "must be 1 to 64 letters, digits, '-' or '_'")
	// One validator for the request id, the offer and its host, so a
	// request with several wrong is told of all.
	_ = s.validateOffer(&v, in) // its answer is v's, below
	mine := in != nil && who.CanSee(in.GetOrganisationId(), in.GetMunicipalityCode())
	if mine && ids.Valid(in.GetVolunteerId()) {
		h, ok := s.pool.Host(in.GetVolunteerId())
		switch {
		case !ok || h.GetOrganisationId() != in.GetOrganisationId():
			v.Add("offer.volunteer_id", "is not a dinner host of the organisation")
		case s.rules.For(in.GetOrganisationId()).RequireBackgroundCheck && !pool.CheckValidOn(h, s.today()):
			v.Add("offer.volunteer_id", "has no valid background check")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if !mine {
		return apperr.Errorf(apperr.PermissionDenied, "you may not create offers for that organisation or municipality")
	}
	return nil
}

// offerView adds the seats taken at each dinner (confirmed seatings) and
// whether a job can seat anyone at the offer (its host's status today).
func (s *Service) offerView(o *pb.Offer) *pb.Offer {
	o = clone(o)
	for _, d := range o.Dinners {
		d.SeatsTaken = int32(s.seatsAt(o.GetId(), d.GetDate(), true))
	}
	o.HostStatus = s.hostStatus(o, s.today())
	return o
}

// hostStatus is the test a seating job applies to an offer's host before
// it seats anyone there (snapshot), from this replica's pool index: the
// host holds the dinner-host role, and has a background check valid on
// today when the organisation's rules require one. One function for both,
// so the offers list never calls usable an offer that jobs pass over.
func (s *Service) hostStatus(o *pb.Offer, today string) pb.HostStatus {
	h, ok := s.pool.Host(o.GetVolunteerId())
	switch {
	case !ok:
		return pb.HostStatus_HOST_STATUS_NOT_DINNER_HOST
	case s.rules.For(o.GetOrganisationId()).RequireBackgroundCheck && !pool.CheckValidOn(h, today):
		return pb.HostStatus_HOST_STATUS_BACKGROUND_CHECK_INVALID
	}
	return pb.HostStatus_HOST_STATUS_AVAILABLE
}

// syncHosts lets the pool's hosts side catch up with the volunteers'
// stream before offers are read, so a coordinator who just took a host's
// role away sees it on the next offers page. The status is advice (a job
// syncs again before it seats anyone), so a feed that cannot catch up does
// not fail the read: the offers are answered from the pool as it is, and
// the log says so.
func (s *Service) syncHosts(ctx context.Context) {
	if err := s.pool.Hosts.Sync(ctx); err != nil {
		s.log.WarnContext(ctx, "offers read with the hosts pool behind", "error", err)
	}
}

// seatsAt sums the party sizes of the live seatings at a dinner; with
// confirmedOnly, of those holding their seats.
func (s *Service) seatsAt(offerID, date string, confirmedOnly bool) int {
	found, _ := s.seatings.Find(store.Query[*pb.Seating]{Index: "table", Values: []string{tableKey(offerID, date)}})
	n := 0
	for _, p := range found.Items {
		if confirmedOnly && p.GetStatus() != confirmed || !live(p) {
			continue
		}
		n += int(p.GetPartySize())
	}
	return n
}

// GetOffer returns offer id if the caller may see it. Returns Invalid,
// NotFound, PermissionDenied.
func (s *Service) GetOffer(ctx context.Context, who auth.Claims, id string) (*pb.Offer, error) {
	if err := canAct(who); err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, apperr.FieldError("id", "is not an id")
	}
	// One the caller may not see costs what an id of no one costs
	// (ADR 0235).
	o, _, err := s.offers.GetVisible(ctx, id, func(o *pb.Offer) bool { return who.CanSee(o.GetOrganisationId(), o.GetMunicipalityCode()) })
	if err != nil {
		return nil, notFound(err, "offer")
	}
	s.syncHosts(ctx)
	return s.offerView(o), nil
}

// ListOffers returns a page of the offers the caller may see. Returns
// Invalid, PermissionDenied.
func (s *Service) ListOffers(ctx context.Context, who auth.Claims, muni string, size int32, token string) ([]*pb.Offer, string, int, error) {
	if err := canAct(who); err != nil {
		return nil, "", 0, err
	}
	var v apperr.Validator
	v.Check(muni == "" || municipality.Valid(muni), "municipality_code", "is not an SCB municipality code")
	limit, after := page.Check(&v, size, token)
	if err := v.Err(); err != nil {
		return nil, "", 0, err
	}
	found, err := s.offers.Find(store.Query[*pb.Offer]{After: after, Limit: limit, Filter: func(o *pb.Offer) bool {
		return who.CanSee(o.GetOrganisationId(), o.GetMunicipalityCode()) && (muni == "" || o.GetMunicipalityCode() == muni)
	}})
	if err != nil {
		return nil, "", 0, err
	}
	if len(found.Items) > 0 {
		s.syncHosts(ctx)
	}
	out := make([]*pb.Offer, len(found.Items))
	for k, o := range found.Items {
		out[k] = s.offerView(o)
	}
	return out, page.Encode(found.Next), found.Total, nil
}

// DeleteOffer removes an offer and cancels its live seatings at its
// dinners from today on (the guests are told, and wait again). A dinner
// whose day has passed took place or not, so its confirmed seatings stay
// confirmed, awaiting attendance, and its held ones held: the record of a
// dinner held yesterday outlives its host's leaving, and the report still
// counts it (ADR 0280). Its open proposals close, as they would have
// lapsed. Returns Invalid, NotFound, PermissionDenied.
func (s *Service) DeleteOffer(ctx context.Context, who auth.Claims, id string) error {
	o, err := s.GetOffer(ctx, who, id)
	if err != nil {
		return err
	}
	// Before the remove, so a failure leaves the offer to delete again;
	// and after it, for a seating a job wrote in between: the job checks
	// the offer after its write, so it either sees the offer gone and
	// closes its seating itself, or wrote it before this second search
	// (ADR 0141).
	if err := s.cancelTables(ctx, who.Subject, o); err != nil {
		return err
	}
	if err := s.offers.Remove(ctx, id, false); err != nil {
		return notFound(err, "offer")
	}
	return s.cancelTables(ctx, who.Subject, o)
}

// cancelTables cancels the live seatings at every dinner of o from today
// on, and closes the open ones at its dinners before today; a confirmed
// seating there stays, awaiting its attendance (DeleteOffer).
func (s *Service) cancelTables(ctx context.Context, by string, o *pb.Offer) error {
	today := s.today()
	for _, d := range o.GetDinners() {
		which := live
		if d.GetDate() < today {
			which = open
		}
		if _, err := s.closeSeatings(ctx, by, "table", tableKey(o.GetId(), d.GetDate()), endTableCancelled, which); err != nil {
			return err
		}
	}
	return nil
}

// CancelDinner cancels one date of an offer: its live seatings are
// cancelled and their seats freed, so the guests wait again. Returns
// Invalid, NotFound, PermissionDenied, FailedPrecondition (its day has
// passed).
func (s *Service) CancelDinner(ctx context.Context, who auth.Claims, offerID, date string) (*pb.Offer, []string, error) {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return nil, nil, apperr.FieldError("date", "must be a date YYYY-MM-DD")
	}
	o, err := s.GetOffer(ctx, who, offerID)
	if err != nil {
		return nil, nil, err
	}
	if date < s.today() {
		// A dinner whose day has passed took place or not; cancelling it
		// cancelled its confirmed seatings, whose attendance was still to
		// record, and the guests "waited again" for a day gone (ADR 0269).
		return nil, nil, apperr.Errorf(apperr.FailedPrecondition, "the dinner's day has passed: record who came instead")
	}
	if !slices.ContainsFunc(o.GetDinners(), func(d *pb.Dinner) bool { return d.GetDate() == date }) {
		return nil, nil, apperr.FieldError("date", "is not a date of the offer")
	}
	if _, _, err := s.offers.Update(ctx, offerID, func(o *pb.Offer, _ uint64) (store.Change, error) {
		for _, d := range o.Dinners {
			if d.GetDate() == date {
				d.Cancelled = true
			}
		}
		o.Etag = store.Etag(o)
		return nil, nil
	}); err != nil {
		return nil, nil, notFound(err, "offer")
	}
	cancelled, err := s.cancelTable(ctx, who.Subject, offerID, date)
	if err != nil {
		return nil, nil, err
	}
	o, err = s.GetOffer(ctx, who, offerID)
	return o, cancelled, err
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// MaxAddressRunes bounds an offer's optional street address.
const MaxAddressRunes = 200

// validAddress checks the optional address notify sends a confirmed
// guest: one line of printable text.
func validAddress(v *apperr.Validator, field, s string) {
	switch {
	case s == "":
	case !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxAddressRunes:
		v.Add(field, fmt.Sprintf("must be at most %d characters of text", MaxAddressRunes))
	case strings.TrimSpace(s) != s || strings.ContainsAny(s, "\r\n\u2028\u2029"):
		v.Add(field, "must be one line of text without leading or trailing spaces")
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		// A bidi override (U+202E) or another invisible control would
		// print the address reordered in the guest's message; it was
		// refused before as "one line of text", which its sender could
		// not make sense of (outside round s46, ADR 0256).
		v.Add(field, "must not contain control characters")
	}
}
