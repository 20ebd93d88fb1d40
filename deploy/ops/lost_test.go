package ops_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
)

// leaderMsg is the last message on a subject as the stream's leader has
// it: the STREAM.MSG.GET API is answered by the leader only, unlike the
// direct gets kv.Get sends, which any replica answers (a node that was
// cut off too, with what it had then).
type leaderMsg struct {
	Subject string `json:"subject"`
	Seq     uint64 `json:"seq"`
	Header  []byte `json:"hdrs"`
	Data    []byte `json:"data"`
}

// header returns the value of header name in m, "" when absent.
func (m *leaderMsg) header(name string) string {
	for _, line := range strings.Split(string(m.Header), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// lastFromLeader returns the last message on subject in stream, nil when
// the leader has none.
func lastFromLeader(nc *nats.Conn, stream, subject string) (*leaderMsg, error) {
	req, _ := json.Marshal(map[string]string{"last_by_subj": subject})
	res, err := nc.Request("$JS.API.STREAM.MSG.GET."+stream, req, 5*time.Second)
	if err != nil {
		return nil, err
	}
	var r struct {
		Message *leaderMsg `json:"message"`
		Error   *struct {
			Code        int    `json:"code"`
			ErrCode     int    `json:"err_code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(res.Data, &r); err != nil {
		return nil, err
	}
	if r.Error != nil {
		if r.Error.Code == 404 {
			return nil, nil
		}
		return nil, fmt.Errorf("%s (%d)", r.Error.Description, r.Error.ErrCode)
	}
	return r.Message, nil
}

// directFound sends n direct gets for the last message on subject (what
// kv.Get and the services' reads send; JetStream hands each to one of the
// stream's replicas, followers included) and counts how many found it:
// fewer than n means some replica lacks it.
func directFound(nc *nats.Conn, stream, subject string, n int) (found int, errs []string) {
	for range n {
		m, err := nc.Request("$JS.API.DIRECT.GET."+stream+"."+subject, nil, 2*time.Second)
		switch {
		case err != nil:
			errs = append(errs, err.Error())
		case m.Header.Get("Status") == "":
			found++
		case m.Header.Get("Status") != "404":
			errs = append(errs, m.Header.Get("Status")+" "+m.Header.Get("Description"))
		}
	}
	return found, errs
}

// explainLost logs, for every acknowledged participant id whose
// registered event the stream did not show, what the system knows of it,
// so a rare failure in CI says why (ids are not personal data): the KV
// entry as the leader has it (revision, writer, ticket, outbox), the
// writers' "published up to" marks in the bucket, whether the stream
// holds a message with the outbox's event id as Nats-Msg-Id (the leader's
// copy), direct gets of the KV entry (any replica answers those), and the
// processes' log lines that name the id or its events.
func (s *system) explainLost(t *testing.T, nc *nats.Conn, ids []string) {
	t.Helper()
	slices.Sort(ids)
	marks := map[string]uint64{}
	if keys, err := bucketKeys(nc, "participants", "_published.>"); err != nil {
		t.Logf("lost events: marks not listed: %v", err)
	} else {
		for _, k := range keys {
			m, err := lastFromLeader(nc, "KV_participants", "$KV.participants."+k)
			if err != nil || m == nil {
				t.Logf("lost events: mark %s not read: %v", k, err)
				continue
			}
			n, _ := strconv.ParseUint(string(m.Data), 10, 64)
			marks[strings.TrimPrefix(k, "_published.")] = n
		}
		t.Logf("lost events: marks in the bucket (writer: published up to): %v", marks)
	}
	logs, _ := filepath.Glob(filepath.Join(s.Opts.Dir, "logs", "*.log"))
	for _, id := range ids {
		needles := []string{id}
		m, err := lastFromLeader(nc, "KV_participants", "$KV.participants."+id)
		switch {
		case err != nil:
			t.Logf("lost event of %s: KV entry not read: %v", id, err)
		case m == nil:
			t.Logf("lost event of %s: no KV entry on the leader", id)
		default:
			var rec storev1.Record
			if err := proto.Unmarshal(m.Data, &rec); err != nil {
				t.Logf("lost event of %s: KV entry revision %d undecodable: %v", id, m.Seq, err)
				break
			}
			var evIDs []string
			for _, ev := range rec.GetOutbox() {
				evIDs = append(evIDs, ev.GetId())
			}
			mark, hasMark := marks[rec.GetWriter()]
			t.Logf("lost event of %s: KV entry revision %d (operation %q), removed=%v, request key set=%v, writer %q ticket %d (its mark %d, present %v, covers it %v), outbox %d events %v",
				id, m.Seq, m.header("KV-Operation"), rec.GetRemoved(), rec.GetRequestKey() != "", rec.GetWriter(), rec.GetTicket(),
				mark, hasMark, hasMark && rec.GetTicket() <= mark, len(evIDs), evIDs)
			needles = append(needles, evIDs...)
			for _, ev := range evIDs {
				s.explainEvent(t, nc, id, ev)
			}
		}
		found, errs := directFound(nc, "KV_participants", "$KV.participants."+id, 9)
		t.Logf("lost event of %s: %d of 9 direct gets of the KV entry found it (errors: %v)", id, found, errs)
		for _, l := range logs {
			for _, line := range linesWith(l, needles, 20) {
				t.Logf("lost event of %s: %s: %s", id, filepath.Base(l), line)
			}
		}
	}
}

// explainEvent logs whether the PARTICIPANTS stream has participant id's
// registered event evID, as its leader has it (the stream serves no direct
// gets; verifyWrites read it through a consumer on one replica).
func (s *system) explainEvent(t *testing.T, nc *nats.Conn, id, evID string) {
	t.Helper()
	subject := "participants.participant.registered." + id
	m, err := lastFromLeader(nc, "PARTICIPANTS", subject)
	switch {
	case err != nil:
		t.Logf("lost event of %s: event %s: stream not read: %v", id, evID, err)
	case m == nil:
		t.Logf("lost event of %s: event %s: the leader has no message on %s", id, evID, subject)
	default:
		t.Logf("lost event of %s: event %s: the leader has sequence %d on %s with Nats-Msg-Id %q (the event's: %v)",
			id, evID, m.Seq, subject, m.header("Nats-Msg-Id"), m.header("Nats-Msg-Id") == evID)
	}
}

// bucketKeys lists the keys in bucket matching filter (a KV key pattern),
// as the leader has them.
func bucketKeys(nc *nats.Conn, bucket, filter string) ([]string, error) {
	req, _ := json.Marshal(map[string]string{"subjects_filter": "$KV." + bucket + "." + filter})
	res, err := nc.Request("$JS.API.STREAM.INFO.KV_"+bucket, req, 5*time.Second)
	if err != nil {
		return nil, err
	}
	var info struct {
		State struct {
			Subjects map[string]uint64 `json:"subjects"`
		} `json:"state"`
		Error *struct {
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(res.Data, &info); err != nil {
		return nil, err
	}
	if info.Error != nil {
		return nil, fmt.Errorf("%s", info.Error.Description)
	}
	var keys []string
	for subj := range info.State.Subjects {
		keys = append(keys, strings.TrimPrefix(subj, "$KV."+bucket+"."))
	}
	slices.Sort(keys)
	return keys, nil
}

// linesWith returns up to max lines of file that contain any of needles,
// each cut to 400 bytes.
func linesWith(file string, needles []string, max int) []string {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() && len(out) < max {
		line := sc.Bytes()
		for _, n := range needles {
			if n != "" && bytes.Contains(line, []byte(n)) {
				out = append(out, string(line[:min(len(line), 400)]))
				break
			}
		}
	}
	return out
}
