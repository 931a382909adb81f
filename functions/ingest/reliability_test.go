package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake/laketest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// carersVersion is the n-th version of a small carers return for a quarter
// of 2026: each version has n+2 rows, so that row counts tell the versions
// apart.
func carersVersion(n int, period string) []byte {
	p, _ := pipeline.ParsePeriod(period)
	var b strings.Builder
	b.WriteString("client_ref,registration_date,employment_status,consent_followup\n")
	for i := range n + 2 {
		fmt.Fprintf(&b, "V-%03d,%d-%02d-%02d,UNEMPLOYED,Y\n", i, p.Year, 3*p.Quarter-2, 1+i%28)
	}
	return []byte(b.String())
}

// many starts n instances of the function on one versitygw.
func many(t *testing.T, n int) (*fixture, []*functest.Function) {
	t.Helper()
	srv := functest.StartS3(t, "landing", "lake")
	fns := srv.RunMany(t, n, pkg, "LAKE_BUCKET=lake", "OUTCOMES_KEY_SECRET_ID="+secretID,
		"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT="+secretsExtension(t))
	f := &fixture{s3: srv, client: srv.Client, lake: &lake.Lake{Store: s3store.NewFromClient(srv.Client, "lake", "")}, runtime: fns[0].Runtime}
	return f, fns
}

// invokeAll invokes instance i with events[i], all at once.
func invokeAll(t *testing.T, fns []*functest.Function, evs [][]byte) {
	t.Helper()
	var wg sync.WaitGroup
	for i, ev := range evs {
		wg.Go(func() {
			res := fns[i].Runtime.Invoke(t, ev, 2*time.Minute)
			if res.Error != nil {
				t.Errorf("instance %d: %s: %s", i, res.Error.Type, res.Error.Message)
			} else if !bytes.Contains(res.Response, []byte(`"batchItemFailures":[]`)) {
				t.Errorf("instance %d: %s", i, res.Response)
			}
		})
	}
	wg.Wait()
}

// checkLake runs the lake check with no grace: every file must be named
// and every commit finished.
func checkLake(t *testing.T, l *lake.Lake) {
	t.Helper()
	laketest.Strict(t, l, curated.CheckOptions(standardtest.Load(t)))
}

func (f *fixture) carersPointer(t *testing.T, period string) lake.Pointer {
	t.Helper()
	p, _ := pipeline.ParsePeriod(period)
	ptr, _, ok, err := f.lake.Current(context.Background(), lake.Partition{Kind: "carers", Org: "TEST-ORG", Period: p})
	if err != nil || !ok {
		t.Fatalf("no carers pointer for %s: %v", period, err)
	}
	return ptr
}

func (f *fixture) entries(t *testing.T, status lake.EntryStatus) []lake.LedgerEntry {
	t.Helper()
	log, err := f.lake.Ledger(context.Background(), "TEST-ORG")
	if err != nil {
		t.Fatal(err)
	}
	var out []lake.LedgerEntry
	for _, e := range log {
		if e.Status == status {
			out = append(out, e)
		}
	}
	return out
}

// TestIngest_Duplicates: one return delivered 3 times in sequence, and 10
// times at once to 10 instances, leaves one pointer version, one curated
// file and one log entry, and pointer rows = Parquet rows = accepted.
func TestIngest_Duplicates(t *testing.T) {
	const n = 10
	f, fns := many(t, n)
	for _, tt := range []struct {
		name, period string
		concurrent   bool
	}{{"3 in sequence", "2026-Q2", false}, {"10 at once", "2026-Q3", true}} {
		t.Run(tt.name, func(t *testing.T) {
			ev := batch(t, f.landAt(t, "TEST-ORG", tt.period, "0123456789abcdef0123456789abcdef", "carers.csv", carersVersion(5, tt.period), eventTime))
			if tt.concurrent {
				evs := make([][]byte, n)
				for i := range evs {
					evs[i] = ev
				}
				invokeAll(t, fns, evs)
			} else {
				invokeAll(t, fns[:1], [][]byte{ev})
				invokeAll(t, fns[1:2], [][]byte{ev})
				invokeAll(t, fns[2:3], [][]byte{ev})
			}
			ptr := f.carersPointer(t, tt.period)
			files := f.keys(t, "curated/carers/org=TEST-ORG/period="+tt.period+"/")
			var log []lake.LedgerEntry
			for _, e := range f.entries(t, lake.StatusCurrent) {
				if e.Period == tt.period {
					log = append(log, e)
				}
			}
			if ptr.Version != 1 || !slices.Equal(files, []string{ptr.Key}) || len(log) != 1 {
				t.Fatalf("pointer version %d, files %q, %d log entries: want 1, the pointer's, 1", ptr.Version, files, len(log))
			}
			rc, obj, err := f.lake.Open(context.Background(), ptr)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(rc)
			rc.Close()
			facts, err := curated.Inspect(bytes.NewReader(body), obj.Size)
			if err != nil {
				t.Fatal(err)
			}
			if ptr.Rows != 7 || facts.Rows != 7 || log[0].RowsAccepted != 7 {
				t.Errorf("pointer %d rows, Parquet %d, log %d accepted: want 7 each", ptr.Rows, facts.Rows, log[0].RowsAccepted)
			}
			checkLake(t, f.lake)
		})
	}
}

// TestIngest_ConcurrentVersions: ten versions of one return, received an
// hour apart, delivered at once to ten instances in a shuffled order: the
// latest received is current, every version is logged once, and the lake
// check passes.
func TestIngest_ConcurrentVersions(t *testing.T) {
	const n = 10
	f, fns := many(t, n)
	for round := range 2 {
		period := fmt.Sprintf("2026-Q%d", round+2)
		msgs := make([][]byte, n)
		for v := range n {
			id := fmt.Sprintf("%032x", round*100+v+1)
			msgs[v] = batch(t, f.landAt(t, "TEST-ORG", period, id, fmt.Sprintf("carers-v%d.csv", v), carersVersion(v, period), eventTime.Add(time.Duration(v)*time.Hour)))
		}
		order := rand.Perm(n)
		evs := make([][]byte, n)
		for i, v := range order {
			evs[i] = msgs[v]
		}
		invokeAll(t, fns, evs)
		ptr := f.carersPointer(t, period)
		if ptr.File != fmt.Sprintf("carers-v%d.csv", n-1) || ptr.Rows != n+1 {
			t.Errorf("round %d, order %v: current is %s with %d rows, want the last received", round, order, ptr.File, ptr.Rows)
		}
		var cur, late int
		for _, st := range []lake.EntryStatus{lake.StatusCurrent, lake.StatusSupersededOnArrival} {
			for _, e := range f.entries(t, st) {
				if e.Period == period && st == lake.StatusCurrent {
					cur++
				} else if e.Period == period {
					late++
				}
			}
		}
		if cur != ptr.Version || cur+late != n {
			t.Errorf("round %d: %d transitions (pointer version %d) and %d late: want each of %d versions logged once", round, cur, ptr.Version, late, n)
		}
		checkLake(t, f.lake)
	}
}

// TestIngest_StaleRetry: v1 received on Monday, v2 on Tuesday; v1's event
// delivered again keeps v2 current, and so does a version received on the
// Sunday before whose event arrives only now.
func TestIngest_StaleRetry(t *testing.T) {
	f := setup(t)
	monday := eventTime
	v1 := batch(t, f.landAt(t, "TEST-ORG", "2026-Q3", "11111111111111111111111111111111", "carers.csv", carersVersion(1, "2026-Q3"), monday))
	v2 := batch(t, f.landAt(t, "TEST-ORG", "2026-Q3", "22222222222222222222222222222222", "carers-corrected.csv", carersVersion(2, "2026-Q3"), monday.AddDate(0, 0, 1)))
	for _, ev := range [][]byte{v1, v2, v1} {
		if resp := f.invoke(t, ev); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures %+v", resp.BatchItemFailures)
		}
	}
	if ptr := f.carersPointer(t, "2026-Q3"); ptr.File != "carers-corrected.csv" || ptr.Version != 2 {
		t.Errorf("after v1's redelivery %s is current at version %d, want v2 at 2", ptr.File, ptr.Version)
	}
	v0 := f.landAt(t, "TEST-ORG", "2026-Q3", "00000000000000000000000000000000", "carers-sunday.csv", carersVersion(0, "2026-Q3"), monday.AddDate(0, 0, -1))
	if resp := f.invoke(t, batch(t, v0)); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	rec := f.record(t, "TEST-ORG", "00000000000000000000000000000000")
	st, _, _ := f.lake.Status(context.Background(), "TEST-ORG", rec.UploadID)
	if ptr := f.carersPointer(t, "2026-Q3"); ptr.File != "carers-corrected.csv" || st.Status != lake.UploadLate || len(f.entries(t, lake.StatusSupersededOnArrival)) != 1 {
		t.Errorf("v0 arriving last: current %s, its status %+v", ptr.File, st)
	}
	checkLake(t, f.lake)

	// GET /uploads agrees with the pointer: v2 done, v1 replaced, v0 not kept.
	rt := f.s3.Run(t, "github.com/carer-outcomes/carer-outcomes/functions/uploads", "LANDING_BUCKET=landing", "LAKE_BUCKET=lake").Runtime
	tmpl, err := os.ReadFile("../../testdata/events/apigw-get-uploads.json")
	if err != nil {
		t.Fatal(err)
	}
	res := rt.Invoke(t, []byte(strings.ReplaceAll(string(tmpl), "{{ORG}}", "TEST-ORG")), time.Minute)
	if res.Error != nil {
		t.Fatalf("uploads: %+v", res.Error)
	}
	var resp events.APIGatewayV2HTTPResponse
	var list struct {
		Uploads []struct{ File, Status string } `json:"uploads"`
	}
	if err := json.Unmarshal(res.Response, &resp); err != nil || json.Unmarshal([]byte(resp.Body), &list) != nil {
		t.Fatalf("GET /uploads: %s", res.Response)
	}
	got := map[string]string{}
	for _, u := range list.Uploads {
		got[u.File] = u.Status
	}
	want := map[string]string{"carers.csv": "replaced", "carers-corrected.csv": string(lake.UploadDone), "carers-sunday.csv": string(lake.UploadLate)}
	if !maps.Equal(got, want) {
		t.Errorf("GET /uploads statuses %v, want %v", got, want)
	}
}

// TestIngest_Batch: a batch of four messages (good, malformed, missing
// object, good) fails exactly the bad two, and ingests the good ones.
func TestIngest_Batch(t *testing.T) {
	f := setup(t)
	good1 := f.landAt(t, "TEST-ORG", "2026-Q3", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "carers.csv", carersVersion(1, "2026-Q3"), eventTime)
	good2 := f.landAt(t, "TEST-ORG", "2026-Q2", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "carers.csv", carersVersion(2, "2026-Q2"), eventTime)
	malformed := good1
	malformed.MessageId, malformed.Body = "msg-malformed", `{"not": "an S3 event"}`
	outside := sqsMessage(t, "elsewhere/carers.csv", 10, eventTime, "msg-outside")
	missing := sqsMessage(t, "landing/org=TEST-ORG/period=2026-Q3/cccccccccccccccccccccccccccccccc/carers.csv", 10, eventTime, "msg-missing")
	for _, tt := range []struct {
		name string
		msgs []events.SQSMessage
		want []string
	}{
		{"good, malformed, missing object, good", []events.SQSMessage{good1, malformed, missing, good2}, []string{"msg-malformed", "msg-missing"}},
		{"a key outside the landing layout", []events.SQSMessage{outside, good1}, []string{"msg-outside"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.invoke(t, batch(t, tt.msgs...))
			var got []string
			for _, fl := range resp.BatchItemFailures {
				got = append(got, fl.ItemIdentifier)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("batch item failures %q, want %q", got, tt.want)
			}
		})
	}
	for _, id := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"} {
		if rec := f.record(t, "TEST-ORG", id); rec.Status != lake.UploadDone {
			t.Errorf("%s: %+v, want done", id, rec)
		}
	}
}

// panicStore is a landing bucket whose Get of one key panics, as a bug in
// an adapter would.
type panicStore struct {
	lake.Store
	key string
}

func (p panicStore) Get(ctx context.Context, key string) (io.ReadCloser, lake.Object, error) {
	if key == p.key {
		panic("boom: a bug while downloading")
	}
	return p.Store.Get(ctx, key)
}

// TestHandler_Panic runs the handler in this process (a panic cannot be
// provoked in the real binary without a test hook): the message whose
// processing panics is that message's failure, with the panic logged, and
// the others of the batch are ingested.
func TestHandler_Panic(t *testing.T) {
	f := setup(t)
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	landingStore := s3store.NewFromClient(f.client, "landing", "")
	boom := f.landAt(t, "TEST-ORG", "2026-Q3", "dddddddddddddddddddddddddddddddd", "carers.csv", carersVersion(1, "2026-Q3"), eventTime)
	good := f.landAt(t, "TEST-ORG", "2026-Q2", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "carers.csv", carersVersion(2, "2026-Q2"), eventTime)
	h := &handler{
		log:    slog.New(slog.NewJSONHandler(&logged, nil)),
		ingest: ingest.Config{Standard: standardtest.Load(t), Lake: f.lake, Key: key, Limits: tabular.DefaultLimits(), TempDir: t.TempDir()},
		landing: func(context.Context, string) (lake.Store, error) {
			return panicStore{Store: landingStore, key: "landing/org=TEST-ORG/period=2026-Q3/dddddddddddddddddddddddddddddddd/carers.csv"}, nil
		},
	}
	resp, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{boom, good}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != boom.MessageId {
		t.Errorf("failures %+v, want the panicking message only", resp.BatchItemFailures)
	}
	if !strings.Contains(logged.String(), "boom: a bug while downloading") || !strings.Contains(logged.String(), boom.MessageId) {
		t.Errorf("the panic is not logged with its message:\n%s", logged.String())
	}
	if rec := f.record(t, "TEST-ORG", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"); rec.Status != lake.UploadDone {
		t.Errorf("the good message: %+v", rec)
	}
}
