package cache

import (
	"bytes"

	"google.golang.org/protobuf/proto"
)

// A key of nothing (Options.Absent) is remembered as a value is, so that
// an id of no one costs what another scope's id costs: a cache hit, where
// it cost a store miss and a read of the stream leader (ADR 0235).

// absentMark begins the value that stands for Options.Absent in the
// backend, Options.AbsentLike follows it: a first byte 0 is field number
// 0, which no protobuf encoding starts with.
var absentMark = []byte("\x00absent")

// isAbsent reports whether val is the mark of a key of nothing.
func (c *Cache) isAbsent(val []byte) bool {
	return c.o.Absent != nil && bytes.HasPrefix(val, absentMark)
}

// standIn decodes the made-up value an absent mark carries
// (Options.AbsentLike) into a fresh T and drops it: the work a value
// found costs, done for a key of nothing.
func standIn[T proto.Message](mark []byte, newT func() T) {
	_ = proto.Unmarshal(mark[len(absentMark):], newT())
}

// absentDecoded is what the in-process backend keeps decoded beside an
// absent mark, so a later hit answers Absent as a value's hit answers its
// message, without decoding.
type absentDecoded struct{}
