package ops_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestPlanted_SeparateProcesses plants unique values, with Swedish and
// Arabic letters and an e-mail with a +tag, in every personal field of a
// dinner guest and a dinner host (and the street address of the host's
// offer) through the gateway's API, as a coordinator would, in the layout
// of `make up` with Jaeger; updates them, reads them (so Redis holds
// them), erases both through the gateway, and then searches what this
// layout writes where the embedded stack's planted tests cannot look:
// every file of every process (its own log, nats-server's store and log,
// Redis's directory, the configurations), every Redis value, every
// process's /metrics and every trace Jaeger holds, for each value as
// UTF-8, UTF-16, hex and base64; and every key-value entry for the erased
// people's ids (ADR 0191). The values are found in Redis and the ids in
// Jaeger before the erasure, so the searches can fail.
func TestPlanted_SeparateProcesses(t *testing.T) {
	t.Parallel()
	s := mustUpWith(t, layout.Options{NATSNodes: 1, Jaeger: mustJaeger(t), Replicas: 1,
		Services: []string{"participants", "volunteers", "dinners", "gateway"}})
	gp, _ := s.Proc("gateway")
	api := &gatewayAPI{t: t, base: "http://" + gp.Addr}
	api.token = api.call("ApiTokenService/CreateApiToken", map[string]any{
		"email": "admin@example.org", "password": "correct-horse-battery", "name": "planted"})["token"].(string)
	pair := newGuestAndHost(t, s, api, "Planterade")
	m, orgID, gid, hid := pair.m, pair.org, pair.gid, pair.hid
	for n := 1; n <= 2; n++ {
		g := m.person(orgID, "g", n, nil)
		g["id"] = gid
		api.call("RegistryService/UpdateParticipant", map[string]any{"participant": g, "updateMask": "givenName,familyName,contact,interests"})
		h := m.person(orgID, "h", n, nil)
		h["id"] = hid
		api.call("RegistryService/UpdateVolunteer", map[string]any{"volunteer": h, "updateMask": "givenName,familyName,contact,interests"})
	}
	// The host's offer (with a planted street address) and the guest's
	// sign-up, once dinners' pool has them.
	offer, signup := pair.offerAndSignUp(t, api, m.value("street", 0)+" 7, Kalmar")
	api.call("RegistryService/GetParticipant", map[string]any{"id": gid})
	api.call("RegistryService/GetVolunteer", map[string]any{"id": hid})

	redisURL := "redis://" + mustProc(t, s, "redis").Addr + "/0"
	if found := plantedInRedis(t, redisURL, m.all); len(found) == 0 {
		t.Fatal("no planted value in Redis after the reads: the Redis search cannot see values")
	}
	api.call("RegistryService/EraseParticipant", map[string]any{"id": gid})
	api.call("RegistryService/EraseVolunteer", map[string]any{"id": hid})
	js := layoutJetStream(t, s)
	for _, d := range [][2]string{{"PARTICIPANTS", "dinners-participants"}, {"VOLUNTEERS", "dinners-volunteers"}} {
		consumerDone(t, js, d[0], d[1])
	}
	// Jaeger holds spans of the people's ids (a control), none of their values.
	traces := jaegerText(t, s)
	if !strings.Contains(traces, gid) && !strings.Contains(traces, offer) && !strings.Contains(traces, signup) {
		t.Error("Jaeger's traces name neither the guest, the offer nor the sign-up: the trace search sees nothing")
	}
	report := func(where string, found []string) {
		if len(found) > 0 {
			t.Errorf("after the erasure, planted values in %s: %v", where, found)
		}
	}
	report("Jaeger", m.in([]byte(traces)))
	report("Redis", plantedInRedis(t, redisURL, m.all))
	for _, p := range s.Procs {
		if p.Kind != "nats" && p.Kind != "redis" && p.Kind != "jaeger" {
			report(p.Name+"'s /metrics", m.in(httpGet(t, "http://"+p.Health+"/metrics")))
		}
	}
	if found := erasedInBuckets(t, js, gid, hid); len(found) > 0 {
		t.Errorf("after the erasure, entries naming the erased people: %v", found)
	}
	s.Stop() // the logs and stores as they are left on disk
	err := filepath.WalkDir(s.Opts.Dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		report(path, m.in(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// plantedValues are the values of one run: each field of each round a new one.
type plantedValues struct {
	run string
	all []string
}

func newPlanted() *plantedValues {
	return &plantedValues{run: fmt.Sprintf("zq%x", time.Now().UnixNano()%0xffffff)}
}

// value is a new planted value: Swedish and Arabic letters around a part
// unique to the run, the field and the round.
func (m *plantedValues) value(field string, n int) string {
	v := fmt.Sprintf("%s%s%d", m.run, field, n)
	m.all = append(m.all, v)
	return "Åsa-" + v + "-زينب"
}

// backgroundCheck is a host's, seen a month ago by a planted verifier.
func (m *plantedValues) backgroundCheck() map[string]any {
	seen := time.Now().AddDate(0, -1, 0)
	v := m.run + "verifier"
	m.all = append(m.all, v)
	return map[string]any{"seen": true, "seenDate": seen.Format(time.DateOnly), "verifier": v,
		"validUntil": seen.AddDate(1, 0, 0).Format(time.DateOnly)}
}

// person is a participant's or volunteer's personal fields, planted.
func (m *plantedValues) person(org, who string, n int, more map[string]any) map[string]any {
	mail := fmt.Sprintf("%s%smail%d", m.run, who, n)
	phone := fmt.Sprintf("+46701%06d%d", time.Now().UnixNano()%1_000_000, n)
	m.all = append(m.all, mail, phone)
	p := map[string]any{"organisationId": org, "municipalityCode": "0880",
		"givenName": m.value(who+"given", n), "familyName": m.value(who+"family", n),
		"contact":   map[string]any{"email": "asa." + mail + "+tag@example.org", "phone": phone},
		"languages": []any{map[string]any{"code": "ar", "level": "LANGUAGE_LEVEL_NATIVE"}, map[string]any{"code": "sv", "level": "LANGUAGE_LEVEL_NATIVE"}},
		"interests": []any{m.value(who+"interest", n)}}
	for k, v := range more {
		p[k] = v
	}
	return p
}

// in returns the values b holds as UTF-8, UTF-16 (either order), hex or
// base64 (at any of the three alignments).
func (m *plantedValues) in(b []byte) []string {
	var found []string
	for _, v := range m.all {
		for _, f := range encodings(v) {
			if bytes.Contains(b, f) {
				found = append(found, v)
				break
			}
		}
	}
	return found
}

func encodings(v string) [][]byte {
	out := [][]byte{[]byte(v), []byte(hex.EncodeToString([]byte(v))), []byte(strings.ToUpper(hex.EncodeToString([]byte(v))))}
	var le, be []byte
	for _, u := range utf16.Encode([]rune(v)) {
		le, be = append(le, byte(u), byte(u>>8)), append(be, byte(u>>8), byte(u))
	}
	out = append(out, le, be)
	for pad := 0; pad < 3; pad++ {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			s := enc.EncodeToString(append(bytes.Repeat([]byte{0}, pad), v...))
			// Only the characters that depend on v alone.
			s = s[(pad*4+2)/3+1 : len(s)-4]
			out = append(out, []byte(s))
		}
	}
	return out
}

// gatewayAPI calls the gateway's Connect API with JSON, as mp does.
type gatewayAPI struct {
	t           *testing.T
	base, token string
}

func (a *gatewayAPI) try(method string, body any) (map[string]any, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, a.base+"/motesplats.gateway.v1."+method, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s %s", method, res.Status, out)
	}
	var m map[string]any
	return m, json.Unmarshal(out, &m)
}

func (a *gatewayAPI) call(method string, body any) map[string]any {
	a.t.Helper()
	m, err := a.try(method, body)
	if err != nil {
		a.t.Fatal(err)
	}
	return m
}

func mustProc(t *testing.T, s *system, name string) layout.Proc {
	t.Helper()
	p, ok := s.Proc(name)
	if !ok {
		t.Fatalf("no process %s", name)
	}
	return p
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, res.Status, err)
	}
	return b
}

// jaegerText is every trace of every service Jaeger knows, as its query
// API returns them.
func jaegerText(t *testing.T, s *system) string {
	t.Helper()
	base := "http://" + mustProc(t, s, "jaeger").Health
	var services struct{ Data []string }
	// Spans are exported in batches: wait for the services' to arrive.
	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		if err := json.Unmarshal(httpGet(t, base+"/api/services"), &services); err != nil {
			return err
		}
		for _, want := range []string{"gateway", "participants", "volunteers", "dinners"} {
			if !slices.Contains(services.Data, want) {
				return fmt.Errorf("jaeger has no spans of %s yet (%v)", want, services.Data)
			}
		}
		return nil
	})
	var all strings.Builder
	for _, svc := range services.Data {
		all.Write(httpGet(t, base+"/api/traces?limit=100000&lookback=1h&service="+svc))
	}
	return all.String()
}

// plantedInRedis returns the values found in any Redis value or key, of
// every type, and in its DUMP serialisation.
func plantedInRedis(t *testing.T, url string, values []string) []string {
	t.Helper()
	ctx := testutil.Context(t)
	rc, err := cache.NewRedisClient(url)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	m := &plantedValues{all: values}
	var found []string
	iter := rc.Scan(ctx, 0, "*", 100).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		var text strings.Builder
		text.WriteString(k)
		dump, _ := rc.Dump(ctx, k).Result()
		text.WriteString(dump)
		switch typ, _ := rc.Type(ctx, k).Result(); typ {
		case "string":
			v, _ := rc.Get(ctx, k).Result()
			text.WriteString(v)
		case "hash":
			v, _ := rc.HGetAll(ctx, k).Result()
			text.WriteString(fmt.Sprint(v))
		case "list":
			v, _ := rc.LRange(ctx, k, 0, -1).Result()
			text.WriteString(fmt.Sprint(v))
		case "set":
			v, _ := rc.SMembers(ctx, k).Result()
			text.WriteString(fmt.Sprint(v))
		case "zset":
			v, _ := rc.ZRange(ctx, k, 0, -1).Result()
			text.WriteString(fmt.Sprint(v))
		}
		for _, v := range m.in([]byte(text.String())) {
			found = append(found, v+" in "+k)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return found
}

// layoutJetStream is JetStream on the layout's NATS as the tools sign in,
// when it has users (ADR 0225, 0226): they may read every stream's state;
// without users, as anyone.
func layoutJetStream(t *testing.T, s *system) jetstream.JetStream {
	t.Helper()
	user, password := "", s.Opts.NATSPasswords[service.NATSToolsUser]
	if password != "" {
		user = service.NATSToolsUser
	}
	return userJetStream(t, s, user, password)
}

// consumerDone waits until durable has handled everything in stream.
func consumerDone(t *testing.T, js jetstream.JetStream, stream, durable string) {
	t.Helper()
	ctx := testutil.Context(t)
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		c, err := js.Consumer(ctx, stream, durable)
		if err != nil {
			return err
		}
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if info.NumPending != 0 || info.NumAckPending != 0 {
			return fmt.Errorf("%s: %d pending, %d unacknowledged", durable, info.NumPending, info.NumAckPending)
		}
		return nil
	})
}

// erasedInBuckets returns every key-value entry whose key or value names
// one of ids, except in the request-id buckets (*_requests), which keep a
// created record's request key a day by design so a retry cannot create
// it again.
func erasedInBuckets(t *testing.T, js jetstream.JetStream, ids ...string) []string {
	t.Helper()
	ctx := testutil.Context(t)
	var found []string
	names := js.KeyValueStoreNames(ctx)
	for bucket := range names.Name() {
		if strings.HasSuffix(bucket, "_requests") {
			continue
		}
		kv, err := js.KeyValue(ctx, bucket)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := kv.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k := range keys.Keys() {
			e, err := kv.Get(ctx, k)
			if err != nil {
				continue // deleted or purged meanwhile
			}
			for _, id := range ids {
				if strings.Contains(k, id) || bytes.Contains(e.Value(), []byte(id)) {
					found = append(found, fmt.Sprintf("%s/%s names %s", bucket, k, id))
				}
			}
		}
	}
	return found
}
