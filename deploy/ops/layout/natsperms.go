package layout

import (
	"fmt"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/service"
)

// grant is what one NATS user does (ADR 0226), read from the code: the
// streams, buckets and object stores it creates and writes, the subjects
// it publishes its events on, its durable consumers on other users'
// streams, and the other users' streams it reads through ordered
// (unnamed) consumers. natsPermissions turns it into the subjects the
// user may publish to.
type grant struct {
	// Publish are the subjects of its own events (and audit entries).
	Publish []string
	// Streams, Buckets and Objects are its own streams, key-value buckets
	// and object stores: it creates, updates, reads, purges and consumes
	// them, and publishes to their subjects.
	Streams, Buckets, Objects []string
	// Durables are its durable consumers on other users' streams, by
	// stream. Each also has a consumer of the same name on REPLAY and
	// publishes its dead letters on "deadletter.<durable>" (pkg/events).
	Durables map[string][]string
	// Reads are other users' streams it reads through ordered consumers,
	// whose names the client makes up: any consumer name but another
	// user's durables.
	Reads []string
	// Creates are other users' streams it creates when absent (it may
	// start first) and writes to through Publish, never changes or reads.
	Creates []string
	// Probes are streams on which it makes durables of its own names at
	// run time (the tools' latency and load probes): like Reads, with acks
	// and dead letters, but never another user's durables.
	Probes []string
	// NeverErases is a user that shreds no key of its own (its records are
	// sealed with other services' people's keys): it owns no key bucket,
	// writes in none and may not log an erasure, which a restored backup
	// would re-apply (ADR 0234, 0239).
	NeverErases bool
	// Deny are subjects refused although Publish allows them (a
	// wildcard's exceptions).
	Deny []string
	// Operates is for the operators' user (ADR 0237): it reads every
	// consumer's state and moves consumer leaders (the runbook's reports
	// and drain), so of another user's durable on a stream it reads or
	// probes only a take-over is refused (seize), not its information or
	// step-down.
	Operates bool
}

// records are a record store's buckets (pkg/store): its records and its
// request ids.
func records(buckets ...string) []string {
	var out []string
	for _, b := range buckets {
		out = append(out, b, b+"_requests")
	}
	return out
}

// programme is a matching service's grant (pkg/service's kit): its event
// stream, its jobs' streams and buckets, its capacity counters (and their
// intents), its pool's buckets of before (which it deletes: the pool is
// in memory since ADR 0088), its record stores and its job data; its
// durables on the people's streams (their leave events), which its pool's
// feed also reads in full.
func programme(name, stream string, slots, data string, pool, stores []string) grant {
	up := strings.ToUpper(name)
	return grant{
		Publish: []string{name + ".>", "jobs." + name + ".>"},
		Streams: []string{stream, "JOBS_" + up, "JOBS_" + up + "_FORGOTTEN"},
		Buckets: slices.Concat(records(stores...), []string{slots, slots + "_intents", name + "_jobs", name + "_jobs_requests"}, records(pool...)),
		Objects: []string{data},
		Durables: map[string][]string{
			events.StreamParticipants: {name + "-participants"},
			events.StreamVolunteers:   {name + "-volunteers"},
		},
		Reads: []string{events.StreamParticipants, events.StreamVolunteers},
	}
}

// gatewayBuckets are the gateway's accounts, sessions, API tokens and the
// last-admin guard (services/gateway/internal/account), and what its users
// removed in the last ten minutes (internal/removedkv, ADR 0255), and the
// sign-in refusals' counts not yet in the audit log (core, ADR 0263).
var gatewayBuckets = append(records("gateway-accounts", "gateway-sessions", "gateway-tokens"), "gateway-admins", "gateway-removals", "gateway-refusals")

// grants is every user's grant. The names are the code's: a bucket or a
// durable renamed there must be renamed here, or the service is refused
// at its start (deploy/ops TestNATSUsers_TheServicesRunAsTheirOwn runs
// every service as its own user).
var grants = map[string]grant{
	"participants": {
		Publish: []string{events.ParticipantsSubjects},
		Streams: []string{events.StreamParticipants},
		// participants_organisations are its organisations' view's
		// buckets of before, which it deletes (pkg/pool).
		Buckets: records("participants", "participants_organisations"),
		// Its organisations' view follows the volunteers' organisation
		// events.
		Reads: []string{events.StreamVolunteers},
	},
	"volunteers": {
		Publish: []string{events.VolunteersSubjects},
		Streams: []string{events.StreamVolunteers},
		Buckets: append(records("volunteers", "organisations"), "organisations_closing", "organisation_names"),
	},
	"mentoring": programme("mentoring", events.StreamMentoring, "mentoring_slots", "mentoring_job_data",
		[]string{"mentoring_newcomers", "mentoring_mentors"}, []string{"mentoring_pairs"}),
	"dinners": programme("dinners", events.StreamDinners, "dinners_seats", "dinners_job_data",
		[]string{"dinners_guests", "dinners_hosts"}, []string{"dinners_offers", "dinners_signups", "dinners_seatings"}),
	"guides": programme("guides", events.StreamGuides, "guides_slots", "guides_jobdata",
		[]string{"guides_newcomers", "guides_organisations"}, []string{"guides_assignments", "guides_rules"}),
	"notify": {
		// Its messages and links are sealed with their person's key, which
		// the participants or volunteers shred (pkg/store's shred).
		NeverErases: true,
		// Its own audit entries (services/notify/server/audit.go); the
		// gateway's are "audit.<user>.>", which notify may not write.
		Publish: []string{"audit.notify.>"},
		// The gateway's audit log, which notify creates if it starts first
		// (never updates: the log refuses deletes and purges).
		Creates: []string{events.StreamAudit},
		Buckets: append(records("notify_messages", "notify_links", "notify_tracked"), "notify_limits",
			"processed-notify-mentoring", "processed-notify-dinners", "processed-notify-guides",
			"processed-notify-participants", "processed-notify-volunteers"),
		Durables: map[string][]string{
			events.StreamMentoring:    {"notify-mentoring"},
			events.StreamDinners:      {"notify-dinners"},
			events.StreamGuides:       {"notify-guides"},
			events.StreamParticipants: {"notify-participants"},
			events.StreamVolunteers:   {"notify-volunteers"},
		},
	},
	"gateway": {
		// The audit log's entries, and the operators' replays of dead
		// letters (the ops API): the gateway owns both operations streams.
		Publish: []string{events.AuditSubjects, events.ReplayPrefix + ">"},
		Streams: []string{events.StreamAudit, events.StreamDeadLetter, events.StreamReplay},
		Buckets: gatewayBuckets,
		// Its cache's evictions follow the people's changes.
		Reads: []string{events.StreamParticipants, events.StreamVolunteers},
	},
	service.NATSToolsUser: {
		// seed creates the demo sign-ins in the gateway's buckets; load's
		// and latency's probes are durables of their own names on the
		// participants' registrations; load's nats bench writes LOADBENCH.
		// load's drain, the runbook's `nats stream report` and the
		// upgrade test read every stream's and consumer's configuration
		// and state (not a message).
		Streams: []string{"LOADBENCH"},
		// load's bench publishes on loadbench.sync (services/stack's
		// natsBench); ADR 0226 granted only LOADBENCH.>, and load, first
		// run against users in ADR 0230, was refused.
		Publish: []string{"LOADBENCH.>", "loadbench.>", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST", "$JS.API.STREAM.INFO.*",
			"$JS.API.CONSUMER.NAMES.*", "$JS.API.CONSUMER.LIST.*", "$JS.API.CONSUMER.INFO.*.*",
			// The runbook's backup and restore (natscli's stream backup
			// and restore: a snapshot's request and its chunks' acks, a
			// restore's request and its chunks) and its drain's leader
			// step-downs, which ADR 0233 found refused to every user. A
			// restore makes only a stream that is absent: the removal
			// before it (ADR 0237), never of ERASURES or a key bucket
			// (KV_data_keys, KV_data_keys_<owner>: a live key ring and
			// erasure log are never rolled back: an older copy forgets
			// erasures and newer keys) or AUDIT (append-only): Deny. No stream update: lowering replicas is
			// the owner's (runbook).
			"$JS.API.STREAM.SNAPSHOT.*", "$JS.SNAPSHOT.ACK.>", "$JS.API.STREAM.RESTORE.*", "$JS.SNAPSHOT.RESTORE.>",
			"$JS.API.STREAM.DELETE.*", "$JS.API.STREAM.LEADER.STEPDOWN.*", "$JS.API.CONSUMER.LEADER.STEPDOWN.*.*"},
		// The key ring's streams (keyRingDeny: each owner's bucket too)
		// are added by NATSPermissions.
		Deny:     []string{"$JS.API.STREAM.DELETE." + events.StreamAudit},
		Operates: true,
		Buckets:  gatewayBuckets,
		Probes:   []string{events.StreamParticipants},
	},
}

// The key ring's buckets and erasure log (pkg/seal), which every user
// opens, are keyRingPermissions' (natskeys.go); the consumers' operations
// streams, which the first consumer to start creates (pkg/events),
// opsStreams'.

// maintainsShared reports whether user may update the erasure log (and,
// with ADR 0234's phase 2, the shared key bucket of before): their
// maintainer (events.OperatorStreamsOwner, whose start brings them to
// their configuration) and the tools' user (rewrap, seed). An update
// could drop every key or every erasure (ADR 0234).
func maintainsShared(user string) bool {
	return user == events.OperatorStreamsOwner || user == service.NATSToolsUser
}

// NATSPermissions is user's permissions block, for a user entry of a
// NATS configuration's authorization users (ADR 0226), with legacy the
// phase of the shared key bucket of before (ADR 0234, 0239); "" for a
// user without a grant.
func NATSPermissions(user string, legacy LegacyKeys) string {
	g, ok := grants[user]
	if !ok {
		return ""
	}
	pub := append([]string{"$JS.API.INFO"}, opsStreams()...)
	pub = append(pub, g.Publish...)
	pub = append(pub, keyRingPermissions(user, g, legacy)...)
	own := slices.Clone(g.Streams)
	for _, b := range g.Buckets {
		own = append(own, "KV_"+b)
		pub = append(pub, "$KV."+b+".>")
	}
	for _, o := range g.Objects {
		own = append(own, "OBJ_"+o)
		pub = append(pub, "$O."+o+".>")
	}
	for _, s := range own {
		pub = append(pub, "$JS.API.STREAM.*."+s, "$JS.API.STREAM.*.*."+s,
			"$JS.API.DIRECT.GET."+s, "$JS.API.DIRECT.GET."+s+".>",
			"$JS.API.CONSUMER.*."+s, "$JS.API.CONSUMER.*."+s+".>", "$JS.API.CONSUMER.*.*."+s+".>",
			"$JS.ACK."+s+".>", "$JS.FC."+s+".>")
	}
	for _, s := range g.Creates {
		pub = append(pub, "$JS.API.STREAM.CREATE."+s, "$JS.API.STREAM.INFO."+s)
	}
	var durables []string
	for _, s := range sortedKeys(g.Durables) {
		for _, d := range g.Durables[s] {
			durables = append(durables, d)
			pub = append(pub, "$JS.API.STREAM.INFO."+s)
			pub = append(pub, durable(s, d)...)
		}
	}
	// Their dead letters and replays (pkg/events), each its own alone: a
	// dead letter of another's would be replayed to that consumer.
	for _, d := range durables {
		pub = append(pub, events.DeadLetterPrefix+d)
		pub = append(pub, durable(events.StreamReplay, d)...)
	}
	deny := slices.Clone(g.Deny)
	if user == service.NATSToolsUser {
		deny = append(keyRingDeny(), deny...)
	}
	others := durable
	if g.Operates {
		others = seize
	}
	for _, s := range slices.Concat(g.Reads, g.Probes) {
		// Its pool's feed also asks for the newest message of its filter
		// (pkg/pool's feed.go), a message it reads in full anyway.
		pub = append(pub, "$JS.API.STREAM.INFO."+s, "$JS.API.STREAM.MSG.GET."+s,
			"$JS.API.CONSUMER.CREATE."+s+".*", "$JS.API.CONSUMER.CREATE."+s+".*.>",
			"$JS.API.CONSUMER.INFO."+s+".*", "$JS.API.CONSUMER.DELETE."+s+".*", "$JS.API.CONSUMER.MSG.NEXT."+s+".*")
		// Another user's durable is never its to change, delete, pull
		// from or ack.
		for _, d := range othersDurables(user, s) {
			deny = append(deny, others(s, d)...)
		}
	}
	for _, s := range g.Probes {
		pub = append(pub, "$JS.ACK."+s+".>", events.DeadLetterPrefix+"*", "$JS.API.CONSUMER.*."+events.StreamReplay+".*",
			"$JS.API.CONSUMER.*."+events.StreamReplay+".*.>", "$JS.API.CONSUMER.MSG.NEXT."+events.StreamReplay+".*")
		for _, d := range othersDurables(user, s) {
			deny = append(deny, events.DeadLetterPrefix+d)
			deny = append(deny, others(events.StreamReplay, d)...)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "permissions: {\n  publish: {\n    allow: %s", list(pub))
	if len(deny) > 0 {
		fmt.Fprintf(&b, "\n    deny: %s", list(deny))
	}
	sub := []string{service.NATSInboxPrefix(user) + ".>"}
	if user == service.NATSToolsUser {
		// The nats CLI, which the operators run as the tools' user,
		// takes its replies on the default prefix; every service has
		// its own, so nothing of theirs comes there.
		sub = append(sub, "_INBOX.>")
	}
	fmt.Fprintf(&b, "\n  }\n  subscribe: {allow: [%s]}\n}", strings.Join(quoteAll(sub), ", "))
	return b.String()
}

// durable is what a durable consumer d on stream s is called with: its
// creation, information, pulls and deletion, and its messages' acks.
func durable(s, d string) []string {
	return []string{"$JS.API.CONSUMER.*." + s + "." + d, "$JS.API.CONSUMER.*." + s + "." + d + ".>",
		"$JS.API.CONSUMER.*.*." + s + "." + d, "$JS.ACK." + s + "." + d + ".>"}
}

// seize is what takes a durable consumer d on stream s over, without
// its information or leader step-down (nats-server's jetstream_api.go):
// its creation or update, deletion, pause, reset, unpin, peer removal,
// pulls and its messages' acks.
func seize(s, d string) []string {
	var out []string
	for _, op := range []string{"CREATE", "DURABLE.CREATE", "DELETE", "PAUSE", "RESET", "UNPIN", "PEER.REMOVE", "MSG.NEXT"} {
		out = append(out, "$JS.API.CONSUMER."+op+"."+s+"."+d)
	}
	return append(out, "$JS.API.CONSUMER.CREATE."+s+"."+d+".>", "$JS.ACK."+s+"."+d+".>")
}

// opsStreams is what every process does with the operations streams at
// its start (pkg/events CreateOperatorStreams) and every consumer before
// its first dead letter or replay: create them when absent and read their
// configuration. Only their owner (events.OperatorStreamsOwner, whose
// grant has them among its Streams) may update them: with the update
// any user could shorten their max age, change their subjects or make
// them R1 (ADR 0234).
func opsStreams() []string {
	var out []string
	for _, s := range []string{events.StreamDeadLetter, events.StreamReplay} {
		out = append(out, "$JS.API.STREAM.CREATE."+s, "$JS.API.STREAM.INFO."+s)
	}
	return out
}

// othersDurables are the durables of users other than user on stream s.
func othersDurables(user, s string) []string {
	var out []string
	for _, u := range sortedKeys(grants) {
		if u != user {
			out = append(out, grants[u].Durables[s]...)
		}
	}
	return out
}

// list is a configuration array of subjects, a few a line, without
// duplicates (a subject may be both a shared and an own one).
func list(subjects []string) string {
	var seen []string
	for _, s := range subjects {
		if !slices.Contains(seen, s) {
			seen = append(seen, s)
		}
	}
	var b strings.Builder
	b.WriteString("[")
	line := 0
	for i, q := range quoteAll(seen) {
		if i > 0 {
			b.WriteString(",")
		}
		if i == 0 || line+len(q) > 96 {
			b.WriteString("\n      ")
			line = 0
		} else {
			b.WriteString(" ")
		}
		b.WriteString(q)
		line += len(q) + 2
	}
	b.WriteString("\n    ]")
	return b.String()
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// NATSUsersConfig is the authorization block of a NATS configuration
// with a user per service and the tools' (ADR 0226), the system account
// with the operators' user (ADR 0225), and, with legacy, ADR 0225's
// single user of every right (service.NATSClientUser) for one release, so
// the processes of before keep working while they are replaced. password
// gives each user's password as configuration text: a quoted literal
// (make up) or a $VARIABLE of the server's environment (compose,
// Kubernetes). keys is the phase of the shared key bucket of before
// (ADR 0234, 0239).
func NATSUsersConfig(password func(user string) string, legacy bool, keys LegacyKeys) string {
	var b strings.Builder
	b.WriteString("authorization {\n  users: [\n")
	if legacy {
		fmt.Fprintf(&b, "    {user: %s, password: %s}\n", service.NATSClientUser, password(service.NATSClientUser))
	}
	for _, u := range service.NATSServiceUsers() {
		perms := strings.ReplaceAll(NATSPermissions(u, keys), "\n", "\n      ")
		fmt.Fprintf(&b, "    {user: %s, password: %s,\n      %s}\n", u, password(u), perms)
	}
	fmt.Fprintf(&b, "  ]\n}\naccounts {\n  SYS: {users: [{user: %s, password: %s}]}\n}\nsystem_account: SYS\n",
		service.NATSSystemUser, password(service.NATSSystemUser))
	return b.String()
}

// NATSPasswordRef is password for NATSUsersConfig in compose's and
// Kubernetes' configurations: the server's environment variable that
// holds user's password (service.NATSPasswordVar), and NATS_PASSWORD for
// ADR 0225's single user, as before.
func NATSPasswordRef(user string) string {
	if user == service.NATSClientUser {
		return "$" + service.NATSPasswordEnv
	}
	return "$" + service.NATSPasswordVar(user)
}

// NewNATSPasswords returns a new password for every user of
// NATSUsersConfig and the route user: Options.NATSPasswords for a layout
// whose NATS requires users.
func NewNATSPasswords() (map[string]string, error) {
	out := map[string]string{}
	for _, u := range append(service.NATSServiceUsers(), service.NATSSystemUser, service.NATSRouteUser) {
		p, err := service.NewNATSPassword()
		if err != nil {
			return nil, err
		}
		out[u] = p
	}
	return out, nil
}
