package testutil

import (
	"bufio"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestMustNATS_JetStreamWorks(t *testing.T) {
	t.Parallel()
	n := MustNATS(t)
	ctx := Context(t)
	if _, err := n.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
		t.Fatalf("create stream: %v", err)
	}
	ack, err := n.JS.Publish(ctx, "t.x", []byte("hello"))
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if got, want := ack.Sequence, uint64(1); got != want {
		t.Fatalf("seq=%d, want %d", got, want)
	}
}

func TestMustRedis_AnswersPing(t *testing.T) {
	t.Parallel()
	addr := MustRedis(t)
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		t.Fatalf("write: %v", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if got, want := line, "+PONG\r\n"; got != want {
		t.Fatalf("reply=%q, want %q", got, want)
	}
}

func TestCheckFor_ReturnsWhenConditionHolds(t *testing.T) {
	t.Parallel()
	calls := 0
	CheckFor(t, time.Second, time.Millisecond, func() error {
		calls++
		if calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if calls != 3 {
		t.Fatalf("calls=%d, want 3", calls)
	}
}
