package events

import "github.com/nats-io/nats.go/jetstream"

// The audit log (ADR 0018) is one append-only stream that the gateway and
// notify both write to, and either may start first, so both create it
// from this one definition: two copies could drift apart on retention or
// on the guards against deletion, and the second to start would then fail
// or quietly weaken the log.
const (
	// StreamAudit names the audit stream.
	StreamAudit = "AUDIT"
	// AuditSubjects is the audit stream's subject filter.
	AuditSubjects = "audit.>"
)

// AuditStreamConfig is the audit stream with replicas copies (at least
// one): on file, kept by limits, with deletes and purges refused so no
// one can take an entry back, and a duplicate window so a retried write
// is stored once.
func AuditStreamConfig(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamAudit,
		Subjects:    []string{AuditSubjects},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    max(replicas, 1),
		DenyDelete:  true,
		DenyPurge:   true,
		Duplicates:  DuplicateWindow,
		Description: "append-only audit log of reads and changes of personal data",
	}
}
