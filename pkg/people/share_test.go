package people_test

import (
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/people"
)

// TestShareTime: a time equal to the creation's becomes the creation's
// message; another instant, a missing time and a time with fields the
// index does not know stay their own.
func TestShareTime(t *testing.T) {
	t.Parallel()
	created := &timestamppb.Timestamp{Seconds: 10, Nanos: 5}
	unknown := &timestamppb.Timestamp{Seconds: 10, Nanos: 5}
	unknown.ProtoReflect().SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 1))
	for _, c := range []struct {
		name   string
		t      *timestamppb.Timestamp
		shared bool
	}{
		{"equal", &timestamppb.Timestamp{Seconds: 10, Nanos: 5}, true},
		{"other nanos", &timestamppb.Timestamp{Seconds: 10, Nanos: 6}, false},
		{"other seconds", &timestamppb.Timestamp{Seconds: 11, Nanos: 5}, false},
		{"unknown fields", unknown, false},
		{"none", nil, false},
	} {
		got := people.ShareTime(c.t, created)
		if (got == created) != c.shared || (!c.shared && got != c.t) {
			t.Errorf("%s: ShareTime returned %p (t %p, created %p); shared %v", c.name, got, c.t, created, c.shared)
		}
	}
	if got := people.ShareTime(created, nil); got != created {
		t.Error("no creation time: t is not kept")
	}
}
