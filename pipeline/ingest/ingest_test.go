package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

var q3 = pipeline.Period{Year: 2026, Quarter: 3}

func testKey(tb testing.TB) pseudonym.Key {
	tb.Helper()
	k, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func newConfig(tb testing.TB) ingest.Config {
	tb.Helper()
	store, err := fsstore.New(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return ingest.Config{Standard: standardtest.Load(tb), Lake: &lake.Lake{Store: store}, Key: testKey(tb),
		Limits: tabular.DefaultLimits(), TempDir: tb.TempDir()}
}

func file(name, content string) ingest.File {
	return ingest.File{Name: name, Data: strings.NewReader(content), Size: int64(len(content))}
}

func run(tb testing.TB, cfg ingest.Config, period pipeline.Period, files ...ingest.File) *ingest.Result {
	tb.Helper()
	res, err := ingest.Run(context.Background(), cfg, ingest.Request{Org: "LEEDS-CC", Period: period, Files: files})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// listing is every object of the lake with its ETag: equal listings mean
// nothing was written.
func listing(tb testing.TB, l *lake.Lake) []string {
	tb.Helper()
	objs, err := l.Store.List(context.Background(), "")
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.Key+" "+o.ETag)
	}
	return out
}

func keys(tb testing.TB, l *lake.Lake, prefix string) []string {
	tb.Helper()
	objs, err := l.Store.List(context.Background(), prefix)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

const carersV1 = "client_ref,registration_date,employment_status,consent_followup\nLCC-A1,2026-07-01,UNEMPLOYED,Y\nLCC-A2,2026-07-02,U,N\nLCC-A3,2026-07-03,RETIRED,Y\n"
const carersV2 = "client_ref,registration_date,employment_status,consent_followup\nLCC-A1,2026-07-01,UNEMPLOYED,Y\nLCC-A2,2026-07-02,EMPLOYED_PT,N\n"

func current(tb testing.TB, l *lake.Lake, kind string, period pipeline.Period) lake.Pointer {
	tb.Helper()
	ptr, _, ok, err := l.Current(context.Background(), lake.Partition{Kind: kind, Org: "LEEDS-CC", Period: period})
	if err != nil || !ok {
		tb.Fatalf("no current %s: %v", kind, err)
	}
	return ptr
}

func TestRun_ResubmissionReplacesWhole(t *testing.T) {
	cfg := newConfig(t)
	first := run(t, cfg, q3, file("carers.csv", carersV1))
	second := run(t, cfg, q3, file("carers-corrected.csv", carersV2))
	id1, id2 := first.Uploads[0].UploadID, second.Uploads[0].UploadID
	ptr := current(t, cfg.Lake, "carers", q3)
	if ptr.UploadID != id2 || ptr.Rows != 2 {
		t.Errorf("current = %s with %d rows, want %s with 2", ptr.UploadID, ptr.Rows, id2)
	}
	if got, want := keys(t, cfg.Lake, "curated/"), []string{ptr.Key}; !slices.Equal(got, want) || !strings.Contains(ptr.Key, id2) {
		t.Errorf("curated files = %q, want only %q", got, want)
	}
	if tb := second.Uploads[0].Tables[0]; tb.Status != ingest.TableStored || tb.Superseded != id1 {
		t.Errorf("second upload's table: %+v, want stored superseding %s", tb, id1)
	}
	log, err := cfg.Lake.Ledger(context.Background(), "LEEDS-CC")
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].UploadID != id1 || log[1].UploadID != id2 || log[1].SupersededUploadID != id1 || log[1].RowsAccepted != 2 {
		t.Errorf("ledger = %+v", log)
	}
	// Sending the first version again makes it current again.
	again := run(t, cfg, q3, file("carers.csv", carersV1))
	if again.Uploads[0].Status != lake.UploadDone || current(t, cfg.Lake, "carers", q3).UploadID != id1 {
		t.Errorf("re-sent first version: %+v", again.Uploads[0])
	}
}

func TestRun_SameBytesChangeNothing(t *testing.T) {
	cfg := newConfig(t)
	run(t, cfg, q3, file("carers.csv", carersV1))
	before := listing(t, cfg.Lake)
	res := run(t, cfg, q3, file("renamed.csv", carersV1))
	if up := res.Uploads[0]; up.Status != lake.UploadDuplicate || len(up.Tables) != 1 || up.Tables[0].Status != ingest.TableUnchanged {
		t.Errorf("upload = %+v, want already ingested", up)
	}
	if res.Report.Files[0] == nil || res.Report.Files[0].Tables[0].Accepted != 3 {
		t.Errorf("the stored report is not returned: %+v", res.Report.Files[0])
	}
	if after := listing(t, cfg.Lake); !slices.Equal(before, after) {
		t.Errorf("the lake changed:\nbefore %q\nafter  %q", before, after)
	}
}

func TestRun_ConcurrentVersionsLeaveOne(t *testing.T) {
	cfg := newConfig(t)
	versions := []string{carersV1, carersV2, carersV1 + "LCC-A4,2026-07-04,U,Y\n"}
	for round := range 5 {
		period := pipeline.Period{Year: 2025, Quarter: round%4 + 1}
		if round >= 4 {
			period = q3
		}
		var wg sync.WaitGroup
		ids := make([]string, len(versions))
		for i, v := range versions {
			wg.Go(func() {
				res, err := ingest.Run(context.Background(), cfg, ingest.Request{Org: "LEEDS-CC", Period: period,
					Files: []ingest.File{file(fmt.Sprintf("v%d.csv", i), strings.ReplaceAll(v, "2026-07", fmt.Sprintf("%d-%02d", period.Year, 3*period.Quarter-2)))}})
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = res.Uploads[0].UploadID
			})
		}
		wg.Wait()
		ptr := current(t, cfg.Lake, "carers", period)
		if !slices.Contains(ids, ptr.UploadID) {
			t.Fatalf("round %d: current %s is none of %q", round, ptr.UploadID, ids)
		}
		files := keys(t, cfg.Lake, "curated/carers/org=LEEDS-CC/period="+period.String()+"/")
		if want := []string{ptr.Key}; !slices.Equal(files, want) {
			t.Errorf("round %d: curated files %q, want exactly %q", round, files, want)
		}
	}
}

func TestRun_CarersFromEarlierUploads(t *testing.T) {
	cfg := newConfig(t)
	q2 := pipeline.Period{Year: 2026, Quarter: 2}
	run(t, cfg, q2, file("carers.csv", "client_ref,registration_date,employment_status,consent_followup\nLCC-B1,2026-05-10,U,Y\n"))
	// B1 appears again in Q3 with a later date: the earliest stands.
	res := run(t, cfg, q3,
		file("carers.csv", "client_ref,registration_date,employment_status,consent_followup\nLCC-B1,2026-08-01,EMPLOYED_FT,Y\n"),
		file("support.csv", "client_ref,date,activity\nLCC-B1,2026-07-15,CV_WRITING\nLCC-B9,2026-07-15,CV_WRITING\nLCC-B1,2026-05-01,CV_WRITING\n"))
	tr := res.Report.Files[1].Tables[0]
	var codes []string
	for _, is := range tr.Errors {
		codes = append(codes, fmt.Sprintf("%d:%s:%s", is.Row, is.Code, is.Value))
	}
	want := []string{"3:unregistered_carer:" + "[withheld]", "4:date_out_of_range:2026-05-01"}
	if tr.Accepted != 1 || !slices.Equal(codes, want) {
		t.Errorf("support: %d accepted, errors %q; want 1 accepted and %q", tr.Accepted, codes, want)
	}
}

func TestRun_RejectedTablesKeepTheEarlierVersion(t *testing.T) {
	cfg := newConfig(t)
	first := run(t, cfg, q3, file("carers.csv", carersV1))
	tests := []struct {
		name, content string
		status        lake.UploadState
	}{
		{"personal data column", "client_ref,registration_date,employment_status,consent_followup,Surname\nLCC-A1,2026-07-01,U,Y,Smith\n", lake.UploadRejected},
		{"every row rejected", "client_ref,registration_date,employment_status,consent_followup\nLCC-A1,2026-13-01,U,Y\n", lake.UploadRejected},
		{"unreadable", "\x00\x01\x02binary", lake.UploadRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, cfg, q3, file("carers.csv", tt.content))
			if res.Uploads[0].Status != tt.status {
				t.Errorf("status %s, want %s", res.Uploads[0].Status, tt.status)
			}
			if got := current(t, cfg.Lake, "carers", q3).UploadID; got != first.Uploads[0].UploadID {
				t.Errorf("current changed to %s", got)
			}
		})
	}
}

// TestRun_NoRawIdentifiers scans every object the ingest wrote, Parquet,
// JSON and HTML, for the client references, dates of birth and postcodes of
// the input, including those of rejected rows.
func TestRun_NoRawIdentifiers(t *testing.T) {
	cfg := newConfig(t)
	carers := "client_ref,registration_date,date_of_birth,postcode,employment_status,consent_followup\n" +
		"LCC-SECRET-1,2026-07-01,1971-03-02,LS7 2QW,U,Y\n" +
		"LCC-SECRET-2,2026-07-02,14/11/1980,BD7 1DP,U,Y\n" +
		"LCC-SECRET-3,2026-07-02,1966-02-31,YO1 7HH,U,Y\n" + // rejected: no such day
		"LCC-SECRET-4,2026-07-02,1955-05-05,NOT A CODE,U,Y\n" // rejected: bad postcode
	support := "client_ref,date,activity\nLCC-SECRET-1,2026-07-03,CV_WRITING\nLCC-SECRET-9,2026-07-03,CV_WRITING\n"
	run(t, cfg, q3, file("carers.csv", carers), file("support.csv", support))
	secrets := []string{"LCC-SECRET", "1971-03-02", "14/11/1980", "1966-02-31", "1955-05-05", "LS7 2QW", "BD7 1DP", "YO1 7HH", "NOT A CODE", "LS72QW"}
	objs, err := cfg.Lake.Store.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) < 6 {
		t.Fatalf("only %d objects written", len(objs))
	}
	for _, o := range objs {
		rc, _, err := cfg.Lake.Store.Get(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains %q", o.Key, s)
			}
		}
	}
}

func TestRun_UploaderReport(t *testing.T) {
	cfg := newConfig(t)
	cfg.Now = func() time.Time { return time.Date(2026, 10, 5, 9, 30, 0, 0, time.UTC) }
	res := run(t, cfg, q3, file("support.csv", "client_ref,date,activity\nLCC-X,2026-07-03,CV_WRITING\n"))
	id := res.Uploads[0].UploadID
	for _, name := range []string{"report.json", "report.html", "status.json"} {
		if _, err := cfg.Lake.Store.Stat(context.Background(), lake.UploadKey("LEEDS-CC", id, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	st, ok, err := cfg.Lake.Status(context.Background(), "LEEDS-CC", id)
	if err != nil || !ok || st.Status != lake.UploadRejected || !st.Done.Equal(cfg.Now()) {
		t.Errorf("status = %+v, %v, %v", st, ok, err)
	}
	if got := keys(t, cfg.Lake, "curated/"); len(got) != 0 {
		t.Errorf("rejected rows reached curated/: %q", got)
	}
}

// TestRun_RefusedUnread: a file over the size limit, given by its size
// alone, gets its report (under the id the caller names) and is never read.
func TestRun_RefusedUnread(t *testing.T) {
	cfg := newConfig(t)
	cfg.Limits.MaxFileBytes = 1 << 20
	id := strings.Repeat("ab", 32)
	res, err := ingest.Run(context.Background(), cfg, ingest.Request{Org: "LEEDS-CC", Period: q3,
		Files: []ingest.File{{Name: "huge.xlsx", Size: 3 << 20, ID: id}}})
	if err != nil {
		t.Fatal(err)
	}
	up := res.Uploads[0]
	if up.UploadID != id || up.Status != lake.UploadRejected {
		t.Errorf("upload %+v, want rejected under %s", up, id)
	}
	if fr := res.Report.Files[0]; fr.Error == nil || !strings.Contains(fr.Error.Message, "over the limit") {
		t.Errorf("report %+v, want the size named", fr.Error)
	}
	if st, ok, err := cfg.Lake.Status(context.Background(), "LEEDS-CC", id); err != nil || !ok || st.Status != lake.UploadRejected {
		t.Errorf("status %+v %v %v", st, ok, err)
	}
	// Without data, a file within the limit is a mistake of the caller.
	if _, err := ingest.Run(context.Background(), cfg, ingest.Request{Org: "LEEDS-CC", Period: q3,
		Files: []ingest.File{{Name: "small.csv", Size: 10, ID: id}}}); pipeline.KindOf(err) != pipeline.Internal {
		t.Errorf("no data within the limit: %v, want Internal", err)
	}
}
