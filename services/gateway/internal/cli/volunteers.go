package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/calendar"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// The volunteer commands the web's volunteer form has (ADR 0099): register
// a volunteer as a mentor, a dinner host or both, and change those roles
// later. Without them a volunteer could say from mp neither that they
// mentor nor that they can host a dinner, and the dinners pool (which
// takes only dinner hosts with a background check) never saw them.

// volunteerFlags are the role flags add and roles share.
type volunteerFlags struct {
	mentor     *int
	dinnerHost *bool
	checked    *bool
}

func addVolunteerFlags(fs *flag.FlagSet, e env) volunteerFlags {
	return volunteerFlags{
		mentor:     fs.Int("mentor", 0, e.t("flag.mentor")),
		dinnerHost: fs.Bool("dinner-host", false, e.t("flag.dinner_host")),
		checked:    fs.Bool("background-check", false, e.t("flag.background_check")),
	}
}

// setRole returns roles with role at capacity (capacity 0: without it);
// the other roles are kept as they are.
func setRole(roles []*eventsv1.RoleCapacity, role eventsv1.VolunteerRole, capacity int32) []*eventsv1.RoleCapacity {
	var out []*eventsv1.RoleCapacity
	for _, rc := range roles {
		if rc.GetRole() != role {
			out = append(out, &eventsv1.RoleCapacity{Role: rc.GetRole(), Capacity: rc.GetCapacity()})
		}
	}
	if capacity > 0 {
		out = append(out, &eventsv1.RoleCapacity{Role: role, Capacity: capacity})
	}
	return out
}

// backgroundCheck is the check the coordinator (me) saw today, valid a
// year, as the web form records it; nil when not seen.
func backgroundCheck(ctx context.Context, c *clients, seen bool) (*volunteersv1.BackgroundCheck, error) {
	if !seen {
		return nil, nil
	}
	me, err := c.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		return nil, err
	}
	// Today in Sweden, the day the volunteers service holds a check to.
	day := calendar.Day(time.Now())
	return &volunteersv1.BackgroundCheck{Seen: true, SeenDate: day.Format(time.DateOnly),
		ValidUntil: day.AddDate(1, 0, 0).Format(time.DateOnly), Verifier: me.Msg.GetUser().GetId()}, nil
}

// hostCapacity is the dinner-host role's capacity: one household hosting
// (seats are counted per offer), as the web form sets it.
func hostCapacity(on bool) int32 {
	if on {
		return 1
	}
	return 0
}

func addVolunteer(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("volunteers add", flag.ContinueOnError)
	given := fs.String("given-name", "", e.t("flag.given_name"))
	family := fs.String("family-name", "", e.t("flag.family_name"))
	muni := municipalityFlag(fs, "municipality", e.t("flag.municipality"))
	org := fs.String("organisation", "", e.t("flag.organisation"))
	langs := fs.String("languages", "", e.t("flag.languages"))
	interests := fs.String("interests", "", e.t("flag.interests"))
	gender := fs.String("gender", "", e.usage("flag.gender", genderChoice))
	birth := fs.Int("birth-year", 0, e.t("flag.birth_year"))
	household := fs.Int("household", 1, e.t("flag.household"))
	vf := addVolunteerFlags(fs, e)
	prefs := addPrefFlags(fs, e)
	contact := addContactFlags(fs, e)
	if err := e.parseFlagsOnly(fs, args); err != nil {
		return err
	}
	v := &volunteersv1.Volunteer{OrganisationId: *org, MunicipalityCode: *muni, GivenName: *given, FamilyName: *family,
		Interests: splitCSV(*interests), BirthYear: int32(*birth), HouseholdSize: int32(*household),
		Contact: contact.contact()}
	codes, err := e.languageCodes(*langs)
	if err != nil {
		return err
	}
	for _, l := range codes {
		v.Languages = append(v.Languages, &typev1.LanguageSkill{Code: l, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT})
	}
	if *gender != "" {
		g, err := e.enumFlag("gender", *gender, genderChoice)
		if err != nil {
			return err
		}
		v.Gender = typev1.Gender(g)
	}
	v.Roles = setRole(v.Roles, eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, int32(*vf.mentor))
	v.Roles = setRole(v.Roles, eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, hostCapacity(*vf.dinnerHost))
	if prefs.set(fs) {
		if v.Notifications, err = prefs.apply(fs, nil); err != nil {
			return err
		}
	}
	if v.BackgroundCheck, err = backgroundCheck(ctx, c, *vf.checked); err != nil {
		return err
	}
	res, err := c.registry.CreateVolunteer(ctx, connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: v, RequestId: ids.UUIDv7{}.New()}))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Out, res.Msg.GetVolunteer().GetId())
	return nil
}

// volunteerRoles changes a volunteer's mentor and dinner-host roles and
// background check: only what a flag names, every other role kept.
func volunteerRoles(ctx context.Context, c *clients, args []string, e env) error {
	fs := flag.NewFlagSet("volunteers roles", flag.ContinueOnError)
	vf := addVolunteerFlags(fs, e)
	id, err := parseWithID(fs, args, e)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if id == "" || len(given) == 0 {
		return errors.New(e.t("usage.roles"))
	}
	cur, err := c.registry.GetVolunteer(ctx, connect.NewRequest(&gatewayv1.GetVolunteerRequest{Id: id}))
	if err != nil {
		return err
	}
	old := cur.Msg.GetVolunteer().GetVolunteer()
	v := &volunteersv1.Volunteer{Id: id, Etag: old.GetEtag(), Roles: old.GetRoles()}
	var paths []string
	if given["mentor"] {
		v.Roles = setRole(v.Roles, eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, int32(*vf.mentor))
	}
	if given["dinner-host"] {
		v.Roles = setRole(v.Roles, eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, hostCapacity(*vf.dinnerHost))
	}
	if given["mentor"] || given["dinner-host"] {
		paths = append(paths, "roles")
	}
	if given["background-check"] {
		if v.BackgroundCheck, err = backgroundCheck(ctx, c, *vf.checked); err != nil {
			return err
		}
		paths = append(paths, "background_check")
	}
	res, err := c.registry.UpdateVolunteer(ctx, connect.NewRequest(&gatewayv1.UpdateVolunteerRequest{Volunteer: v,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s\t%s\n", id, e.roles(res.Msg.GetVolunteer().GetRoles()))
	return nil
}

// roles is a volunteer's roles in words ("mentor (2), middagsvärd").
func (e Env) roles(rs []*eventsv1.RoleCapacity) string {
	var out []string
	for _, rc := range rs {
		s := e.code("role.volunteer.", rc.GetRole().String(), "VOLUNTEER_ROLE_")
		if rc.GetRole() == eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR {
			s += fmt.Sprintf(" (%d)", rc.GetCapacity())
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ", ")
}
