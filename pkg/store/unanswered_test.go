package store_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// dropDirectGets is a down function for testutil.MustProxy that, while
// drop is set, leaves out every answer to a direct get (a message with a
// Nats-Stream header: what a stream's replica sends for
// $JS.API.DIRECT.GET) and passes everything else, so the client waits as
// it waits for a replica that took the request and never answers.
func dropDirectGets(drop *atomic.Bool, dropped *atomic.Int64) func(client io.Writer, server io.Reader) error {
	return func(client io.Writer, server io.Reader) error {
		br := bufio.NewReaderSize(server, 64<<10)
		for {
			line, err := br.ReadBytes('\n')
			if err != nil {
				return err
			}
			if f := strings.Fields(string(line)); len(f) > 0 && (f[0] == "MSG" || f[0] == "HMSG") {
				total, err := strconv.Atoi(f[len(f)-1])
				if err != nil {
					return err
				}
				body := make([]byte, total+2) // and its CRLF
				if _, err := io.ReadFull(br, body); err != nil {
					return err
				}
				if drop.Load() && f[0] == "HMSG" && bytes.Contains(body, []byte("Nats-Stream:")) {
					dropped.Add(1)
					continue
				}
				line = append(line, body...)
			}
			if _, err := client.Write(line); err != nil {
				return err
			}
		}
	}
}

// TestRepo_GetAsksTheLeaderWhenADirectGetGoesUnanswered: right after a
// partition heals, a direct get handed to a replica still catching up can
// go unanswered for 5 s and more (ADR 0268, TestCluster_Partition's
// sampling); a Get then held until its caller's deadline ("no answer
// within 3s; try again", ADR 0259) though the stream leader had the
// record. Here every direct get's answer is lost on the way (a proxy
// leaves it out): each Get, with 3 s, must still read the record, from
// the leader after a bounded wait.
func TestRepo_GetAsksTheLeaderWhenADirectGetGoesUnanswered(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	var drop atomic.Bool
	var dropped atomic.Int64
	p := testutil.MustProxy(t, n.Server.Addr().String(), dropDirectGets(&drop, &dropped))
	r := mustOpen(t, p.ConnectNATS(t), nil)
	if _, err := r.Create(ctx, "p1", &facts{ParticipantId: "p1", MunicipalityCode: "0180"}); err != nil {
		t.Fatal(err)
	}
	drop.Store(true)
	for i := range 3 {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		got, _, err := r.Get(cctx, "p1")
		cancel()
		if err != nil || got.GetMunicipalityCode() != "0180" {
			t.Errorf("get %d with every direct get unanswered: %v, %v", i, got, err)
		}
	}
	if dropped.Load() == 0 {
		t.Fatal("no direct get's answer was left out: the test shows nothing")
	}
}
