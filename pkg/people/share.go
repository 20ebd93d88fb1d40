package people

import "google.golang.org/protobuf/types/known/timestamppb"

// ShareTime returns created when t holds the same instant as created and
// nothing else (no unknown fields on either), and t otherwise: a
// register's index keeps one message for a record's creation time and the
// times equal to it (an update time never changed, a consent given at
// registration), as Create builds them (store.Config.Share, ADR 0204).
// Index records are never changed in place, so one message serves them
// all; a time of its own, or one the index cannot compare whole, stays.
func ShareTime(t, created *timestamppb.Timestamp) *timestamppb.Timestamp {
	if t != nil && created != nil && t.GetSeconds() == created.GetSeconds() && t.GetNanos() == created.GetNanos() &&
		len(t.ProtoReflect().GetUnknown()) == 0 && len(created.ProtoReflect().GetUnknown()) == 0 {
		return created
	}
	return t
}
