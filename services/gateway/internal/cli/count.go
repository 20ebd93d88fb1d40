package cli

import "strconv"

// count is n followed by the noun in the form English gives n: "1 seat",
// "0 seats", "2 seats". Testers read "1 seats" in mp's output; every
// count the CLI prints goes through here so none is written with a fixed
// plural again (TestNoCountWithAFixedPlural checks the sources).
func count[N ~int | ~int32 | ~int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}
