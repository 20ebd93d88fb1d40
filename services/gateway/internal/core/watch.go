package core

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// watchOpens is how often follow opens a job's watch: once, and once more
// when the first was cut as quiet. grpcx ends a watch whose replica sends
// nothing within its bound (Unavailable) and leaves that replica out, so
// the second opening reaches another replica and the follower (mp's
// -follow) goes on instead of being told to try again (ADR 0145). A third
// would only wait the bound again on a service with no replica answering.
const watchOpens = 2

// follow opens a server stream with open and passes each message it
// receives to send until the stream ends (nil at its normal end). A
// re-opened watch starts with the job's current state, which the
// follower may already have seen: it prints changes only.
func follow[M any](ctx context.Context, open func(context.Context) (func() (M, error), error), send func(M) error) error {
	var err error
	for range watchOpens {
		var recv func() (M, error)
		if recv, err = open(ctx); err != nil {
			return err
		}
		for {
			var m M
			if m, err = recv(); err != nil {
				break
			}
			if err := send(m); err != nil {
				return err
			}
		}
		if isEOF(err) {
			return nil
		}
		if status.Code(err) != codes.Unavailable || ctx.Err() != nil {
			return err
		}
	}
	return err
}
