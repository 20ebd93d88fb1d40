package service

import "strings"

// The users of a deployment's NATS since ADR 0226: one per service, one
// for the operators' tools, the system account's, and the cluster routes'.
// Each process still reads NATS_USER and NATS_PASSWORD (NATSAuthFrom);
// what differs is the value each is given: its own user and password.
const (
	// NATSToolsUser is bin/stack's tools' (seed, load, latency, rewrap).
	NATSToolsUser = "stack"
	// NATSRouteUser is the user the cluster's nodes open their routes
	// as (NATS_ROUTE_PASSWORD); no client can sign in as it.
	NATSRouteUser = "route"
)

// NATSServiceUsers are the users a deployment's processes sign in as, in
// the global account, each with the permissions of what it does
// (deploy/ops/layout's NATSPermissions): the services' own names, the
// gateway's, and NATSToolsUser.
func NATSServiceUsers() []string {
	users := []string{}
	for _, k := range Known() {
		users = append(users, k.Name)
	}
	return append(users, "gateway", NATSToolsUser)
}

// NATSPasswordVar is the variable an .env, keys.env or Secret keeps user's
// password in: "NATS_DINNERS_PASSWORD" for dinners, NATS_SYS_PASSWORD
// for the system user. The process itself reads it as NATS_PASSWORD;
// only the NATS server's configuration and the deployment name it.
func NATSPasswordVar(user string) string {
	return "NATS_" + strings.ToUpper(user) + "_PASSWORD"
}

// NATSInboxPrefix is the prefix of the reply subjects of user's requests
// (every JetStream call is one): "_INBOX_dinners". A user may subscribe
// only to its own (deploy/ops/layout), so no service reads the replies to
// another's reads, as everyone could under the shared "_INBOX.".
func NATSInboxPrefix(user string) string { return "_INBOX_" + user }
