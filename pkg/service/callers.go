package service

import "github.com/motesplats/motesplats/pkg/auth"

// The service callers a method may take. The gateway is on every method:
// its key signs admins and coordinators (auth.Grants users), so keeping
// its own service subject off a method would protect nothing, and it
// calls with its own token wherever no user's token is forwarded (a
// visitor with an answer link, cached look-ups). Notify is on the reads
// its messages need; notify-link on the answers a person gives by link.
var (
	gatewayOnly      = []string{auth.GatewaySubject}
	gatewayAndNotify = []string{auth.GatewaySubject, auth.NotifySubject}
	gatewayAndLink   = []string{auth.GatewaySubject, auth.AnswerLinkSubject}
)

// Callers is, for every gRPC method of the services behind the gateway,
// which service subjects may call it with role service (ADR 0210): each
// one what the code calls today (services/notify/internal/directory is
// notify's every call). A method missing here takes no service caller,
// and TestCallersNameEveryMethod fails until it is listed, so a new
// method is decided, not inherited. It returns a fresh map each time.
func Callers() auth.Callers {
	return auth.Callers{
		// dinners.v1.DinnerService
		"/motesplats.dinners.v1.DinnerService/ApproveSeating":   gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/CancelDinner":     gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/CancelSeating":    gatewayAndLink,
		"/motesplats.dinners.v1.DinnerService/CreateOffer":      gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/CreateSignUp":     gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/DeleteOffer":      gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/DeleteSignUp":     gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/GetJob":           gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/GetOffer":         gatewayAndNotify,
		"/motesplats.dinners.v1.DinnerService/GetReport":        gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/GetSeating":       gatewayAndNotify,
		"/motesplats.dinners.v1.DinnerService/GetSignUp":        gatewayAndNotify,
		"/motesplats.dinners.v1.DinnerService/GetWaitlist":      gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/ListJobs":         gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/ListOffers":       gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/ListSeatings":     gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/ListSignUps":      gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/ListUnseated":     gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/RecordAttendance": gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/RecordFeedback":   gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/RecordRsvp":       gatewayAndLink,
		"/motesplats.dinners.v1.DinnerService/RejectSeating":    gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/StartMatchingJob": gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/UpdateOffer":      gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/UpdateSignUp":     gatewayOnly,
		"/motesplats.dinners.v1.DinnerService/WatchJob":         gatewayOnly,

		// An admin's own call (the seed makes it; mp and the web have
		// none): no service subject (ADR 0269).
		"/motesplats.dinners.v1.DinnerService/RecordPastSeating": nil,

		// guides.v1.GuideService
		"/motesplats.guides.v1.GuideService/AcceptAssignment":       gatewayAndLink,
		"/motesplats.guides.v1.GuideService/ActivateAssignment":     gatewayOnly,
		"/motesplats.guides.v1.GuideService/ApproveAssignment":      gatewayOnly,
		"/motesplats.guides.v1.GuideService/DeclineAssignment":      gatewayAndLink,
		"/motesplats.guides.v1.GuideService/EndAssignment":          gatewayOnly,
		"/motesplats.guides.v1.GuideService/GetAssignment":          gatewayAndNotify,
		"/motesplats.guides.v1.GuideService/GetEligibility":         gatewayOnly,
		"/motesplats.guides.v1.GuideService/GetEligibilityRules":    gatewayOnly,
		"/motesplats.guides.v1.GuideService/GetEquity":              gatewayOnly,
		"/motesplats.guides.v1.GuideService/GetJob":                 gatewayOnly,
		"/motesplats.guides.v1.GuideService/ListAssignments":        gatewayOnly,
		"/motesplats.guides.v1.GuideService/ListEligibility":        gatewayOnly,
		"/motesplats.guides.v1.GuideService/ListGuideOrganisations": gatewayOnly,
		"/motesplats.guides.v1.GuideService/ListJobs":               gatewayOnly,
		"/motesplats.guides.v1.GuideService/ListUnassigned":         gatewayOnly,
		"/motesplats.guides.v1.GuideService/RejectAssignment":       gatewayOnly,
		"/motesplats.guides.v1.GuideService/StartAssignmentJob":     gatewayOnly,
		"/motesplats.guides.v1.GuideService/UpdateEligibilityRules": gatewayOnly,
		"/motesplats.guides.v1.GuideService/WatchJob":               gatewayOnly,

		// mentoring.v1.MentoringService
		"/motesplats.mentoring.v1.MentoringService/AcceptOffer":          gatewayAndLink,
		"/motesplats.mentoring.v1.MentoringService/ApproveProposal":      gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/DeclineOffer":         gatewayAndLink,
		"/motesplats.mentoring.v1.MentoringService/EndPair":              gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/GetJob":               gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/GetPair":              gatewayAndNotify,
		"/motesplats.mentoring.v1.MentoringService/GetReport":            gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/ListJobs":             gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/ListPairs":            gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/ListUnmatched":        gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/ListWaitingNewcomers": gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/RecordCheckIn":        gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/RejectProposal":       gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/ReplaceCandidate":     gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/StartMatchingJob":     gatewayOnly,
		"/motesplats.mentoring.v1.MentoringService/WatchJob":             gatewayOnly,

		// notify.v1.AnswerService
		"/motesplats.notify.v1.AnswerService/Answer":      gatewayOnly,
		"/motesplats.notify.v1.AnswerService/ResolveLink": gatewayOnly,

		// notify.v1.NotificationService
		"/motesplats.notify.v1.NotificationService/GetMailboxMessage": gatewayOnly,
		"/motesplats.notify.v1.NotificationService/ListDeliveries":    gatewayOnly,
		"/motesplats.notify.v1.NotificationService/ListMailbox":       gatewayOnly,

		// participants.v1.ParticipantService
		"/motesplats.participants.v1.ParticipantService/BatchGetParticipantNames": gatewayOnly,
		"/motesplats.participants.v1.ParticipantService/CreateParticipant":        gatewayOnly,
		"/motesplats.participants.v1.ParticipantService/DeleteParticipant":        gatewayOnly,
		"/motesplats.participants.v1.ParticipantService/EraseParticipant":         gatewayOnly,
		"/motesplats.participants.v1.ParticipantService/GetParticipant":           gatewayAndNotify,
		"/motesplats.participants.v1.ParticipantService/ListNamesakes":            gatewayOnly,
		"/motesplats.participants.v1.ParticipantService/ListParticipants":         gatewayOnly,
		"/motesplats.participants.v1.ParticipantService/RecordConsent":            gatewayOnly,
		"/motesplats.participants.v1.ParticipantService/UpdateParticipant":        gatewayOnly,
		"/motesplats.participants.v1.ParticipantService/WithdrawConsent":          gatewayOnly,

		// volunteers.v1.VolunteerService
		"/motesplats.volunteers.v1.VolunteerService/BatchGetVolunteerNames": gatewayOnly,
		"/motesplats.volunteers.v1.VolunteerService/CreateOrganisation":     gatewayOnly,
		"/motesplats.volunteers.v1.VolunteerService/CreateVolunteer":        gatewayOnly,
		"/motesplats.volunteers.v1.VolunteerService/DeleteOrganisation":     gatewayOnly,
		"/motesplats.volunteers.v1.VolunteerService/DeleteVolunteer":        gatewayOnly,
		"/motesplats.volunteers.v1.VolunteerService/EraseVolunteer":         gatewayOnly,
		"/motesplats.volunteers.v1.VolunteerService/GetOrganisation":        gatewayAndNotify,
		"/motesplats.volunteers.v1.VolunteerService/GetVolunteer":           gatewayAndNotify,
		"/motesplats.volunteers.v1.VolunteerService/ListNamesakes":          gatewayOnly,
		"/motesplats.volunteers.v1.VolunteerService/ListOrganisations":      gatewayOnly,
		"/motesplats.volunteers.v1.VolunteerService/ListVolunteers":         gatewayOnly,
		"/motesplats.volunteers.v1.VolunteerService/UpdateOrganisation":     gatewayOnly,
		"/motesplats.volunteers.v1.VolunteerService/UpdateVolunteer":        gatewayOnly,
	}
}
