package service

import "github.com/motesplats/motesplats/pkg/gatewayurl"

// Info is what the rest of the system needs to know to reach a service:
// its name, its default gRPC address and the environment variable that
// overrides it. The list lives here once so adding a programme to the
// embedded stack, the gateway's clients and the configuration is a line
// each, not a search for port numbers.
type Info struct {
	// Name is the service's short name: its module, stream prefix and
	// ConfigFromEnv name.
	Name string
	// Addr is the default gRPC address on loopback (the embedded stack's).
	Addr string
	// Env names the variable that overrides Addr: <NAME>_ADDR, the same
	// one ConfigFromEnv reads.
	Env string
	// API is the gRPC service's full name, for reflection and grpcurl.
	API string
}

// The services, by default port. Dinners and guides are listed before
// they exist so their ports are taken by no one else.
var (
	Participants = Info{"participants", "127.0.0.1:7001", "PARTICIPANTS_ADDR", "motesplats.participants.v1.ParticipantService"}
	Volunteers   = Info{"volunteers", "127.0.0.1:7002", "VOLUNTEERS_ADDR", "motesplats.volunteers.v1.VolunteerService"}
	Mentoring    = Info{"mentoring", "127.0.0.1:7003", "MENTORING_ADDR", "motesplats.mentoring.v1.MentoringService"}
	Dinners      = Info{"dinners", "127.0.0.1:7004", "DINNERS_ADDR", "motesplats.dinners.v1.DinnerService"}
	Guides       = Info{"guides", "127.0.0.1:7005", "GUIDES_ADDR", "motesplats.guides.v1.GuideService"}
	// Notify sends messages and serves the answer links (it also serves
	// motesplats.notify.v1.AnswerService on the same port).
	Notify = Info{"notify", "127.0.0.1:7006", "NOTIFY_ADDR", "motesplats.notify.v1.NotificationService"}
)

// GatewayAddr is the gateway's default HTTP address. The gateway is not an
// Info (see Known) but its default lives here beside the others so one file
// shows every port the system takes.
const GatewayAddr = gatewayurl.DefaultAddr

// Known lists every gRPC service in port order. The gateway is not in it:
// it serves HTTP, not gRPC, and no other service calls it.
func Known() []Info { return []Info{Participants, Volunteers, Mentoring, Dinners, Guides, Notify} }

// AddrFrom is the address from the environment (Env) or else the default.
func (i Info) AddrFrom(getenv func(string) string) string {
	if a := getenv(i.Env); a != "" {
		return a
	}
	return i.Addr
}
