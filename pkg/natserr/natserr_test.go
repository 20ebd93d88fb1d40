package natserr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/natserr"
)

// TestBriefly: the errors seen while two of three NATS nodes were down
// (the s25 chaos round) pass; a missing stream or a plain error does not.
func TestBriefly(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]bool{
		fmt.Errorf("store: create: %w", jetstream.ErrNoStreamResponse):                                       true,
		fmt.Errorf("seal: %w", &jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "unavailable"}): true,
		fmt.Errorf("get: %w", nats.ErrNoResponders):                                                          true,
		fmt.Errorf("put: %w", nats.ErrTimeout):                                                               true,
		fmt.Errorf("info: %w", jetstream.ErrStreamNotFound):                                                  false,
		errors.New("bad config"):                                                                             false,
	} {
		if got := natserr.Briefly(err); got != want {
			t.Errorf("Briefly(%v) = %v, want %v", err, got, want)
		}
	}
}

// TestElecting: a read runs again for no responders and JetStream's 503,
// not for a timeout or an ended request (waited out already), nor for a
// missing stream.
func TestElecting(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]bool{
		fmt.Errorf("list: %w", nats.ErrNoResponders):                                                         true,
		fmt.Errorf("list: %w", &jetstream.APIError{Code: 503, ErrorCode: 10039, Description: "not enabled"}): true,
		fmt.Errorf("list: %w", nats.ErrTimeout):                                                              false,
		fmt.Errorf("list: %w: %w", nats.ErrNoResponders, context.Canceled):                                   false,
		fmt.Errorf("list: %w", jetstream.ErrStreamNotFound):                                                  false,
	} {
		if got := natserr.Electing(err); got != want {
			t.Errorf("Electing(%v) = %v, want %v", err, got, want)
		}
	}
}
