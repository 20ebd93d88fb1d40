package catalog

import "strings"

// SeatingMessage is a dinners service message with a seating where the
// proposals' shared lifecycle (pkg/proposal), which the dinners service
// refuses with, says a pair: a seating approved in another tab read "bara
// ett föreslaget par kan godkännas (status nu: erbjuden)"; it is a
// placering, and invited (outside round s32, ADR 0178). The web app and
// mp both call it before ViolationText, so they say the same (ADR 0184).
func SeatingMessage(msg string) string { return seatingWords.Replace(msg) }

var seatingWords = strings.NewReplacer(
	"only a proposed pair can be approved", "only a proposed seating can be approved",
	"only a proposed pair can be rejected", "only a proposed seating can be rejected",
	"this one is offered", "this one is invited",
	"this one is active", "this one is confirmed")
