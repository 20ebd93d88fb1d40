package events

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// maxHeartbeat is the longest NATS may stay silent on a pull before the
// client counts a heartbeat missed: two missed ones make it pull again.
// nats.go's default is half the pull's expiry, 15 s, so a pull the server
// lost (a stall of 30 s seen once under load, nats.go issue #1622) held a
// consumer for 30 s; with 5 s it is 10 s, as nats.go already has for
// ordered consumers. The cost is an idle pull's heartbeat every 5 s.
const maxHeartbeat = 5 * time.Second

// pullHeartbeat is the idle heartbeat for pulls that expire after expiry
// (0: nats.go's 30 s): maxHeartbeat, or half a shorter expiry, as nats.go
// requires. It is 0, nats.go's default, when half the expiry is under
// the 500 ms nats.go accepts.
func pullHeartbeat(expiry time.Duration) time.Duration {
	if expiry <= 0 {
		expiry = 30 * time.Second
	}
	hb := min(maxHeartbeat, expiry/2)
	if hb < 500*time.Millisecond {
		return 0
	}
	return hb
}

// pullOpts are the options of a pull of up to n messages.
func (c *Consumer) pullOpts(n int) []jetstream.PullMessagesOpt {
	opts := []jetstream.PullMessagesOpt{jetstream.PullMaxMessages(n)}
	if c.cfg.PullExpiry > 0 {
		opts = append(opts, jetstream.PullExpiry(c.cfg.PullExpiry))
	}
	if hb := pullHeartbeat(c.cfg.PullExpiry); hb > 0 {
		opts = append(opts, jetstream.PullHeartbeat(hb))
	}
	return opts
}
