package core

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// Count is one bar of a report: a label and how many.
type Count struct {
	Label string
	N     int
}

// Report holds the figures funders ask for, for the caller's scope. It
// holds counts only, never a person.
type Report struct {
	Participants, Volunteers int
	// ByMunicipality and BySwedishLevel count newcomers.
	ByMunicipality []Count
	BySwedishLevel []Count
	// ByGender counts newcomers, so gaps become visible (DOMAIN.md).
	ByGender []Count
	// At is when these figures were computed: they are kept per scope and
	// refreshed in the background (figures.go), and the page says how old
	// they are.
	At time.Time
}

// maxReportPages bounds a report's reads (500 per page): 100,000 records.
const maxReportPages = 200

// errTooLarge refuses a report past maxReportPages rather than showing
// figures silently cut short.
var errTooLarge = apperr.Errorf(apperr.FailedPrecondition, "the register is too large for one report; ask an admin to report per municipality")

// Report computes the report for the caller's scope by paging through the
// records the caller's token may see.
func (g *Gateway) Report(ctx context.Context, c Caller) (*Report, error) {
	r, err := g.cachedReport(ctx, c)
	if err := g.record(ctx, c, "read", "report", "", err); err != nil {
		return nil, err
	}
	return r, nil
}

// cachedReport is report, kept figuresTTL per scope. A Report is counts
// only; callers get a copy of its slices' headers, never write to them.
func (g *Gateway) cachedReport(ctx context.Context, c Caller) (*Report, error) {
	if err := personal(c); err != nil {
		return nil, err
	}
	v, at, err := g.figures.get(ctx, scopeKey(c, "report"), func(ctx context.Context) (any, error) { return g.report(ctx, c) })
	if err != nil {
		return nil, err
	}
	r := *v.(*Report)
	r.At = at
	return &r, nil
}

func (g *Gateway) report(ctx context.Context, c Caller) (*Report, error) {
	sctx, err := g.personalAs(ctx, c)
	if err != nil {
		return nil, err
	}
	muni, level, gender := map[string]int{}, map[string]int{}, map[string]int{}
	r := &Report{}
	token, more := "", true
	for i := 0; more; i++ {
		if i == maxReportPages {
			return nil, errTooLarge
		}
		res, err := g.Backend.Participants.ListParticipants(sctx, &participantsv1.ListParticipantsRequest{PageSize: 500, PageToken: token})
		if err != nil {
			return nil, err
		}
		for _, p := range res.GetParticipants() {
			r.Participants++
			muni[p.GetMunicipalityCode()]++
			level[catalog.LevelLabel(p.GetSwedishLevel())]++
			gender[GenderLabel(p.GetGender())]++
		}
		token = res.GetNextPageToken()
		more = token != ""
	}
	token, more = "", true // the volunteers' tokens are their own
	for i := 0; more; i++ {
		if i == maxReportPages {
			return nil, errTooLarge
		}
		res, err := g.Backend.Volunteers.ListVolunteers(sctx, &volunteersv1.ListVolunteersRequest{PageSize: 500, PageToken: token})
		if err != nil {
			return nil, err
		}
		r.Volunteers += len(res.GetVolunteers())
		token = res.GetNextPageToken()
		more = token != ""
	}
	r.ByMunicipality, r.BySwedishLevel, r.ByGender = sorted(muni), sorted(level), sorted(gender)
	return r, nil
}

// GenderLabel is the short name of a gender.
func GenderLabel(g typev1.Gender) string {
	switch g {
	case typev1.Gender_GENDER_WOMAN:
		return "woman"
	case typev1.Gender_GENDER_MAN:
		return "man"
	case typev1.Gender_GENDER_OTHER:
		return "other"
	}
	return "not given"
}

func sorted(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		if a.Label < b.Label {
			return -1
		}
		if a.Label > b.Label {
			return 1
		}
		return 0
	})
	return out
}

// ExportReport writes the report as CSV (section, label, count) and
// records the export.
func (g *Gateway) ExportReport(ctx context.Context, c Caller, w io.Writer) error {
	r, err := g.cachedReport(ctx, c)
	if err := g.record(ctx, c, "export", "report", "", err); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"section", "label", "count"})
	_ = cw.Write([]string{"total", "participants", strconv.Itoa(r.Participants)})
	_ = cw.Write([]string{"total", "volunteers", strconv.Itoa(r.Volunteers)})
	for _, s := range []struct {
		name string
		rows []Count
	}{{"municipality", r.ByMunicipality}, {"swedish_level", r.BySwedishLevel}, {"gender", r.ByGender}} {
		for _, c := range s.rows {
			_ = cw.Write([]string{s.name, c.Label, strconv.Itoa(c.N)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// ExportReportData returns the report for an export the web app writes
// in the caller's language, audited as an export like ExportReport.
func (g *Gateway) ExportReportData(ctx context.Context, c Caller) (*Report, error) {
	r, err := g.cachedReport(ctx, c)
	if err := g.record(ctx, c, "export", "report", "", err); err != nil {
		return nil, err
	}
	return r, nil
}

// Dashboard is the start page's figures for the caller's scope: counts
// only, so it shows no person and reads no more than one record per count.
type Dashboard struct {
	// Newcomers and Volunteers count the registered people in scope.
	Newcomers, Volunteers int
	// Mentoring says whether the mentoring figures below are known.
	Mentoring bool
	// Waiting counts newcomers who consent to mentoring and are in no
	// proposed, offered or active pair: the total of ListWaitingNewcomers.
	Waiting int
	// OpenProposals counts proposals to review; NoCheckIn active pairs
	// that need a follow-up.
	OpenProposals, NoCheckIn int
	// EndedLately counts the pairs that ended since EndedSince, the list
	// /matching?ended=1 shows: a coordinator calls the ones who ended
	// early (ADR 0265, 0271). A total, so no name is read and nothing
	// is audited per load, as ListPairs through the gateway would.
	EndedLately int
}

// EndedDays is how far back "ended lately" reaches; the catalog's words
// ("de senaste 30 dagarna") say the same number.
const EndedDays = 30

// EndedSince is the start of the Swedish day EndedDays days before now:
// a whole day, so every page of the list asks for the same pairs all day
// (a moment that moved with each request would let a pair slip between
// pages), and the overview's count is of the same pairs as the list.
func EndedSince(now time.Time) *timestamppb.Timestamp {
	y, m, d := now.In(localtime.Zone).Date()
	return timestamppb.New(time.Date(y, m, d-EndedDays, 0, 0, 0, 0, localtime.Zone))
}

// Dashboard returns the start page's figures. It asks each service for a
// total (total_size of a one-record page), so it costs a few small calls
// however large the register. Counts are not personal data, so they are
// not audited. The mentoring figures are left out, not failed, when the
// mentoring service does not answer.
func (g *Gateway) Dashboard(ctx context.Context, c Caller) (*Dashboard, error) {
	if err := personal(c); err != nil {
		return &Dashboard{}, nil // operators get an empty start page
	}
	v, _, err := g.figures.get(ctx, scopeKey(c, "dashboard"), func(ctx context.Context) (any, error) { return g.dashboard(ctx, c) })
	if err != nil {
		return nil, err
	}
	d := *v.(*Dashboard)
	return &d, nil
}

func (g *Gateway) dashboard(ctx context.Context, c Caller) (*Dashboard, error) {
	sctx, err := g.as(ctx, c)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{}
	lp, err := g.Backend.Participants.ListParticipants(sctx, &participantsv1.ListParticipantsRequest{PageSize: 1})
	if err != nil {
		return nil, err
	}
	d.Newcomers = int(lp.GetTotalSize())
	lv, err := g.Backend.Volunteers.ListVolunteers(sctx, &volunteersv1.ListVolunteersRequest{PageSize: 1})
	if err != nil {
		return nil, err
	}
	d.Volunteers = int(lv.GetTotalSize())
	if g.Backend.Mentoring == nil {
		return d, nil
	}
	count := func(r *mentoringv1.ListPairsRequest) (int, error) {
		r.PageSize = 1
		res, err := g.Backend.Mentoring.ListPairs(sctx, r)
		return int(res.GetTotalSize()), err
	}
	var errs [4]error
	d.OpenProposals, errs[0] = count(&mentoringv1.ListPairsRequest{Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_PROPOSED}})
	d.NoCheckIn, errs[1] = count(&mentoringv1.ListPairsRequest{OnlyNeedingFollowUp: true})
	d.EndedLately, errs[3] = count(&mentoringv1.ListPairsRequest{Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_ENDED},
		EndedAfter: EndedSince(g.figures.clock())})
	// The total of the list the tile links to (/matching/waiting), so the
	// two agree: consenting newcomers less open pairs counted a newcomer
	// in two open pairs, or a pair whose newcomer withdrew consent, twice
	// (ADR 0170's Left, ADR 0172).
	waiting, werr := g.Backend.Mentoring.ListWaitingNewcomers(sctx, &mentoringv1.ListWaitingNewcomersRequest{PageSize: 1})
	d.Waiting, errs[2] = int(waiting.GetTotalSize()), werr
	if err := errors.Join(errs[:]...); err != nil {
		g.Log.WarnContext(ctx, "dashboard: mentoring figures unavailable", "err", err)
		return d, nil
	}
	d.Mentoring = true
	return d, nil
}
