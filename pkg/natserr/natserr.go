// Package natserr tells the NATS errors that pass by themselves from the
// ones that do not, so callers retry or answer "try again" only for the
// first (ADR 0134).
package natserr

import (
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Briefly reports the errors of a cluster that is electing a stream's
// leader, has lost its quorum for a while, or is reconnecting: no
// responders, no response from the stream, a timeout, a closed or
// reconnecting connection, JetStream's 503. Nothing is wrong with the
// request; the same one later succeeds.
func Briefly(err error) bool {
	for _, e := range []error{nats.ErrNoResponders, nats.ErrTimeout, nats.ErrConnectionClosed, nats.ErrConnectionReconnecting,
		jetstream.ErrNoStreamResponse} {
		if errors.Is(err, e) {
			return true
		}
	}
	var api *jetstream.APIError
	return errors.As(err, &api) && api.Code == 503
}
