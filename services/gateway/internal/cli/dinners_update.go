package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// updateOffer changes only the fields whose flags are given.
func updateOffer(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners offers update", flag.ContinueOnError)
	seats := fs.Int("seats", 0, "guest seats at each dinner (only more than now)")
	dietsF := fs.String("diets", "", "diets the kitchen serves (with -allergens: the whole kitchen)")
	allergensF := fs.String("allergens", "", "allergens the kitchen can keep out")
	langs := fs.String("languages", "", "languages at the table besides Swedish, comma separated")
	comp := fs.String("composition", "", "ALL_FEMALE, ALL_MALE, MIXED, COUPLE or FAMILY")
	pets := fs.Bool("pets", false, "the household has pets")
	postcode := fs.String("postcode", "", "five digits (empty: none)")
	address := fs.String("address", "", "street address sent to confirmed guests (empty: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	id, err := oneID("offers update", fs.Args())
	if err != nil {
		return err
	}
	o := &dinnersv1.Offer{Id: id, Kitchen: &dinnersv1.Kitchen{}}
	var paths []string
	fs.Visit(func(f *flag.Flag) {
		if err != nil {
			return
		}
		path := f.Name
		switch f.Name {
		case "seats":
			o.Seats = int32(*seats)
		case "diets", "allergens":
			// The kitchen is one path: both lists are sent, so give both
			// to keep one of them.
			path = "kitchen"
			if o.Kitchen.Diets, err = diets("diets", *dietsF); err == nil {
				o.Kitchen.AllergensHandled, err = allergens("allergens", *allergensF)
			}
		case "languages":
			o.Languages = splitCSV(*langs)
		case "composition":
			var n int32
			n, err = enumFlag("composition", *comp, "COMPOSITION_", dinnersv1.Composition_value)
			o.Composition = dinnersv1.Composition(n)
		case "pets":
			o.Pets = *pets
		case "postcode":
			o.Postcode = *postcode
		case "address":
			o.Address = *address
		}
		if !slices.Contains(paths, path) {
			paths = append(paths, path)
		}
	})
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return errors.New("mp dinners offers update: give at least one of -seats, -diets, -allergens, -languages, -composition, -pets, -postcode, -address")
	}
	res, err := d.UpdateDinnerOffer(ctx, connect.NewRequest(&gatewayv1.UpdateDinnerOfferRequest{Offer: o, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s updated\n", res.Msg.GetOffer().GetOffer().GetId())
	return nil
}

// updateSignUp changes only the fields whose flags are given.
func updateSignUp(ctx context.Context, d dinnersClient, args []string, e env) error {
	fs := flag.NewFlagSet("dinners signups update", flag.ContinueOnError)
	partyF := fs.String("party", "", "who comes, RELATION:AGE comma separated")
	dates := fs.String("dates", "", "dates the party can come")
	dietsF := fs.String("diets", "", "diets the party needs")
	allergensF := fs.String("allergens", "", "allergies in the party")
	first := fs.Bool("first-time", false, "never been to a Swedish home")
	level := fs.String("swedish-level", "", "NONE, SFI_A..SFI_D, SAS or FLUENT")
	langs := fs.String("languages", "", "other languages the party speaks, comma separated")
	comp := fs.String("composition", "", "ALL_FEMALE, ALL_MALE, MIXED, COUPLE or FAMILY")
	class := fs.String("sfi-class", "", "the SFI class code (empty: none)")
	postcode := fs.String("postcode", "", "five digits (empty: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	id, err := oneID("signups update", fs.Args())
	if err != nil {
		return err
	}
	s := &dinnersv1.SignUp{Id: id}
	var paths []string
	fs.Visit(func(f *flag.Flag) {
		if err != nil {
			return
		}
		path := f.Name
		switch f.Name {
		case "party":
			s.Party, err = party(*partyF)
		case "dates":
			s.Dates = splitCSV(*dates)
		case "diets":
			s.Diets, err = diets("diets", *dietsF)
		case "allergens":
			s.Allergens, err = allergens("allergens", *allergensF)
		case "first-time":
			s.FirstTime, path = *first, "first_time"
		case "swedish-level":
			var n int32
			n, err = enumFlag("swedish-level", *level, "SWEDISH_LEVEL_", typev1.SwedishLevel_value)
			s.SwedishLevel, path = typev1.SwedishLevel(n), "swedish_level"
		case "languages":
			s.Languages = splitCSV(*langs)
		case "composition":
			var n int32
			n, err = enumFlag("composition", *comp, "COMPOSITION_", dinnersv1.Composition_value)
			s.Composition = dinnersv1.Composition(n)
		case "sfi-class":
			s.SfiClass, path = *class, "sfi_class"
		case "postcode":
			s.Postcode = *postcode
		}
		paths = append(paths, path)
	})
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return errors.New("mp dinners signups update: give at least one of -party, -dates, -diets, -allergens, -first-time, " +
			"-swedish-level, -languages, -composition, -sfi-class, -postcode")
	}
	res, err := d.UpdateDinnerSignUp(ctx, connect.NewRequest(&gatewayv1.UpdateDinnerSignUpRequest{SignUp: s, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Out, "%s updated\n", res.Msg.GetSignUp().GetSignUp().GetId())
	return nil
}
