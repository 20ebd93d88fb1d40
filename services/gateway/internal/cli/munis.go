package cli

import (
	"flag"
	"fmt"
	"strings"

	"github.com/motesplats/motesplats/pkg/municipality"
)

// A coordinator typed `mp participants list -municipality Stockholm` and
// was told "is not a Swedish municipality code" (ADR 0154): the web app's
// fields take names, mp took codes only. Each municipality flag now takes
// a name ("Stockholm", "Malmö kommun", any case) or an SCB code; the
// services still get codes.
//
// A name no municipality has was passed on for the service to refuse, in
// words about codes: `-municipality Atlantis` said "Kommun: är
// ingen svensk kommunkod (fyra siffror, ...)", to someone mp had just
// told to type names (outside round s29). A name no municipality has is
// refused at the flag in the web app's words ("ingen kommun heter
// Atlantis; skriv kommunernas namn, ..."); digits still go to the service,
// which knows which codes exist.

// muniCode is one typed municipality as its code: a known name's code,
// else digits (or nothing) as typed, trimmed, for the service to judge;
// any other text is refused.
func muniCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	if m, ok := municipality.ByName(s); ok {
		return m.Code, nil
	}
	if strings.Trim(s, "0123456789") == "" {
		return s, nil
	}
	return "", fmt.Errorf("%s%s", noMunicipality, s)
}

// noMunicipality begins the refusal of a name no municipality has; the
// catalogue words it ("ingen kommun heter ...") and flagError keeps it.
const noMunicipality = "no municipality is called "

// muniFlag is a municipality flag's value: Set stores the code of the
// name or code given, or of each comma-separated entry when list.
type muniFlag struct {
	s    *string
	list bool
}

// String implements flag.Value.
func (m muniFlag) String() string {
	if m.s == nil {
		return ""
	}
	return *m.s
}

// Set implements flag.Value.
func (m muniFlag) Set(v string) error {
	if !m.list {
		code, err := muniCode(v)
		*m.s = code
		return err
	}
	codes := splitCSV(v)
	for i, c := range codes {
		code, err := muniCode(c)
		if err != nil {
			return err
		}
		codes[i] = code
	}
	*m.s = strings.Join(codes, ",")
	return nil
}

// municipalityFlag defines a flag taking one municipality by name or code.
func municipalityFlag(fs *flag.FlagSet, name, usage string) *string {
	s := new(string)
	fs.Var(muniFlag{s: s}, name, usage)
	return s
}

// municipalitiesFlag defines a flag taking comma-separated municipalities,
// each by name or code; the value is their codes, comma-separated.
func municipalitiesFlag(fs *flag.FlagSet, name, usage string) *string {
	s := new(string)
	fs.Var(muniFlag{s: s, list: true}, name, usage)
	return s
}
