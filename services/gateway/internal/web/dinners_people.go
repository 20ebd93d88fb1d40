package web

import (
	"net/http"
	"slices"
	"strings"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// pickerPages bounds how many pages of 500 records a dinners form's
// person picker reads (10,000 newcomers or volunteers in the caller's
// scope). Beyond it the form says how many it read of how many and
// offers a municipality to narrow the list (dinnerPeople); it read 4
// pages before and silently left out everyone after them.
const pickerPages = 20

// pickerPage is one page of a person picker's reading: the people it
// offers, the next page's token ("" at the end) and the list's total.
type pickerPage func(token string) (people []dinnerChoice, next string, total int32, err error)

// pickerRead is what a person picker read: the people to offer, the
// list's total, and whether it stopped at pickerPages.
type pickerRead struct {
	People []dinnerChoice
	Total  int
	Cut    bool
}

// readPicker reads pages until the list ends or pickerPages are read.
func readPicker(next pickerPage) (pickerRead, error) {
	var out pickerRead
	token := ""
	for range pickerPages {
		people, tok, total, err := next(token)
		if err != nil {
			return out, err
		}
		out.People = append(out.People, people...)
		out.Total = int(total)
		if tok == "" || tok == token {
			return out, nil
		}
		token = tok
	}
	out.Cut = true
	return out, nil
}

// pickerSearchAbove is how many people a dinners form's person picker
// lists in one select; a scope with more gets a name search instead
// (Options.PickerSearchAbove changes it; ADR 0125). A select of 1,361
// newcomers (the seeded demo's admin) was 148 KB of HTML and 75 KiB of
// audit per view, and no one scrolls it.
const pickerSearchAbove = 300

// dinnerPeople lists the volunteers with the dinner-host role (hosts) or
// the newcomers who consented to dinners (guests) in the caller's scope,
// for the forms' pickers, in the municipality picker_municipality when
// the form names one; see pickerPages. The services filter by role and
// consent (ADR 0117); the check here is a second wall. The records read
// are counted as they come.
//
// Search is set when the scope holds more such people than the picker
// lists (a count read first, one record): the form then offers a name
// field (picker_name, posted with the form, never in the address: names
// are personal data) and lists only the people whose names start with its
// words, none before a name is given (ADR 0125).
func (w *Web) dinnerPeople(r *http.Request, p *page, hosts bool) (people []dinnerChoice, search bool, err error) {
	muni := strings.TrimSpace(p.Form.Get("picker_municipality"))
	name := strings.TrimSpace(p.Form.Get("picker_name"))
	// "Erik Andersson, Uppsala": the name, then where (ADR 0125).
	label := func(given, family, code string) string { return given + " " + family + ", " + muniLabel(code) }
	// registered is when each person offered was registered, for
	// telling namesakes apart (tellApart, ADR 0132).
	registered := map[string]*timestamppb.Timestamp{}
	read := 0
	readPage := func(name, token string, size int32) ([]dinnerChoice, string, int32, error) {
		var out []dinnerChoice
		if hosts {
			res, err := w.g.DinnerHostPage(r.Context(), p.caller, muni, name, token, size)
			if err != nil {
				return nil, "", 0, err
			}
			read += len(res.GetVolunteers())
			for _, v := range res.GetVolunteers() {
				if slices.ContainsFunc(v.GetRoles(), func(rc *eventsv1.RoleCapacity) bool {
					return rc.GetRole() == eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST
				}) {
					out = append(out, dinnerChoice{Value: v.GetId(), Label: label(v.GetGivenName(), v.GetFamilyName(), v.GetMunicipalityCode())})
					registered[v.GetId()] = v.GetCreateTime()
				}
			}
			return out, res.GetNextPageToken(), res.GetTotalSize(), nil
		}
		res, err := w.g.DinnerGuestPage(r.Context(), p.caller, muni, name, token, size)
		if err != nil {
			return nil, "", 0, err
		}
		read += len(res.GetParticipants())
		for _, v := range res.GetParticipants() {
			if slices.ContainsFunc(v.GetConsents(), func(c *participantsv1.Consent) bool {
				// A withdrawn consent stays on the record with its time.
				return c.GetPurpose() == eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS && c.GetWithdrawnTime() == nil
			}) {
				out = append(out, dinnerChoice{Value: v.GetId(), Label: label(v.GetGivenName(), v.GetFamilyName(), v.GetMunicipalityCode())})
				registered[v.GetId()] = v.GetCreateTime()
			}
		}
		return out, res.GetNextPageToken(), res.GetTotalSize(), nil
	}
	_, _, total, err := readPage("", "", 1)
	if err != nil {
		return nil, false, err
	}
	if search = int(total) > w.searchAbove(); !search {
		name = ""
	} else if name == "" {
		return nil, true, nil
	}
	read = 0
	res, err := readPicker(func(token string) ([]dinnerChoice, string, int32, error) { return readPage(name, token, 500) })
	if err != nil {
		return nil, false, err
	}
	if res.Cut {
		p.Flash = p.tf("dinners.picker.cut", "Read", read, "Total", res.Total)
	}
	if search && len(res.People) == 0 {
		p.Flash = p.t("dinners.picker.none_found")
	}
	namesakes(p, res.People, registered)
	sortPeople(res.People)
	chosen := p.Form.Get("person")
	for k := range res.People {
		res.People[k].On = res.People[k].Value == chosen
	}
	return res.People, search, nil
}

// searchAbove is pickerSearchAbove, or the Options' own.
func (w *Web) searchAbove() int {
	if w.opts.PickerSearchAbove > 0 {
		return w.opts.PickerSearchAbove
	}
	return pickerSearchAbove
}

// searchForm marks d's person picker a name search when search is set:
// no "nobody to choose" note before a name is given.
func (w *Web) searchForm(d dinnerForm, search bool) dinnerForm {
	d.Search, d.Above = search, w.searchAbove()
	if search {
		d.Empty = false
	}
	return d
}
