package core

import (
	"context"
	"io"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestFollowReopensAQuietWatchOnce: a watch cut as quiet (Unavailable) is
// opened once more and followed to its end; a second cut, or any other
// error, goes to the caller as it is.
func TestFollowReopensAQuietWatchOnce(t *testing.T) {
	t.Parallel()
	quiet := status.Error(codes.Unavailable, "no progress within 20s; try again")
	notFound := status.Error(codes.NotFound, "no such job")
	for _, tc := range []struct {
		name    string
		streams [][]any // per opening: messages (int) then its end (error)
		want    []int
		code    codes.Code
	}{
		{"ends", [][]any{{1, 2, io.EOF}}, []int{1, 2}, codes.OK},
		{"cut, re-opened, ends", [][]any{{1, quiet}, {1, 2, io.EOF}}, []int{1, 1, 2}, codes.OK},
		{"cut twice", [][]any{{1, quiet}, {1, quiet}, {3, io.EOF}}, []int{1, 1}, codes.Unavailable},
		{"other error", [][]any{{1, notFound}, {2, io.EOF}}, []int{1}, codes.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opened := 0
			open := func(context.Context) (func() (int, error), error) {
				s := tc.streams[opened]
				opened++
				return func() (int, error) {
					head := s[0]
					s = s[1:]
					if err, ok := head.(error); ok {
						return 0, err
					}
					return head.(int), nil
				}, nil
			}
			var got []int
			err := follow(t.Context(), open, func(m int) error { got = append(got, m); return nil })
			if status.Code(err) != tc.code || !slices.Equal(got, tc.want) {
				t.Fatalf("follow = %v, sent %v; want code %s, sent %v", err, got, tc.code, tc.want)
			}
		})
	}
}
