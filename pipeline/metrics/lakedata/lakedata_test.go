package lakedata_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// consortium ingests a small generated consortium into a filesystem lake,
// as pipeline/ingest's interop test does.
func consortium(t *testing.T) (*lake.Lake, *standard.Standard) {
	t.Helper()
	std := standardtest.Load(t)
	store, err := fsstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		t.Fatal(err)
	}
	l := &lake.Lake{Store: store}
	cfg := ingest.Config{Standard: std, Lake: l, Key: key, Limits: tabular.DefaultLimits(), TempDir: t.TempDir()}
	gen := synth.DefaultConfig()
	gen.Out, gen.Orgs, gen.Quarters, gen.History = t.TempDir(), 4, 2, 1
	m, err := synth.Generate(std, gen)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range m.Returns {
		period, err := pipeline.ParsePeriod(r.Period)
		if err != nil {
			t.Fatal(err)
		}
		req := ingest.Request{Org: r.Org, Period: period}
		for _, name := range r.Files {
			f, err := os.Open(filepath.Join(gen.Out, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			req.Files = append(req.Files, ingest.File{Name: filepath.Base(name), Data: f, Size: st.Size()})
		}
		res, err := ingest.Run(context.Background(), cfg, req)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Report.Clean() {
			t.Fatalf("%s %s: a generated return was not clean", r.Org, r.Period)
		}
	}
	return l, std
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	l, std := consortium(t)
	start := time.Now()
	ds, err := lakedata.Load(ctx, l, std, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d carers, %d support, %d outcomes, %d follow-ups, %d finance in %v",
		len(ds.Carers), len(ds.Support), len(ds.Outcomes), len(ds.Followups), len(ds.Finance), time.Since(start))

	rows := func(org string) map[string]int {
		out := map[string]int{}
		for _, kind := range []string{lakedata.KindCarers, lakedata.KindSupport, lakedata.KindOutcomes, lakedata.KindFollowups, lakedata.KindFinance} {
			ptrs, err := l.Pointers(ctx, kind, org)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ptrs {
				out[kind] += p.Rows
			}
		}
		return out
	}
	got := map[string]int{
		lakedata.KindCarers: len(ds.Carers), lakedata.KindSupport: len(ds.Support), lakedata.KindOutcomes: len(ds.Outcomes),
		lakedata.KindFollowups: len(ds.Followups), lakedata.KindFinance: len(ds.Finance),
	}
	want := rows("")
	for kind, n := range want {
		if n == 0 {
			t.Errorf("no %s rows in the lake", kind)
		}
		if got[kind] != n {
			t.Errorf("%s: loaded %d rows, the pointers say %d", kind, got[kind], n)
		}
	}

	// Dates within the generated years; carers known; codes and rows set.
	lo, hi := pipeline.CivilDays(1990, 1, 1), pipeline.DaysOf(time.Now().AddDate(2, 0, 0))
	inRange := func(what string, d pipeline.Days) {
		if d < lo || d > hi {
			t.Errorf("%s: date %s out of range", what, d)
		}
	}
	orgs := map[string]bool{}
	carers := map[string]bool{}
	for _, c := range ds.Carers {
		if c.ID == "" || c.Org == "" || c.Return.Year == 0 || c.Row < 2 || c.ConsentFollowup == "" || c.EmploymentStatus == "" {
			t.Fatalf("carer not filled: %+v", c)
		}
		inRange("carer "+c.ID, c.Registered)
		carers[c.ID] = true
		orgs[c.Org] = true
	}
	for _, s := range ds.Support {
		if !carers[s.CarerID] || s.Org == "" || s.Activity == "" {
			t.Fatalf("support row not filled or of an unknown carer: %+v", s)
		}
		inRange("support", s.Date)
	}
	for _, o := range ds.Outcomes {
		if !carers[o.CarerID] || o.Org == "" || o.Code == "" || o.Row < 2 || o.Return.Year == 0 {
			t.Fatalf("outcome not filled or of an unknown carer: %+v", o)
		}
		inRange("outcome", o.Date)
	}
	answered := 0
	for _, f := range ds.Followups {
		if !carers[f.CarerID] || f.Org == "" || f.Wave == "" || f.EmploymentStatus == "" || f.Row < 2 || f.Return.Year == 0 {
			t.Fatalf("follow-up not filled or of an unknown carer: %+v", f)
		}
		inRange("follow-up", f.Date)
		if f.Confidence != nil && (*f.Confidence < 1 || *f.Confidence > 5) {
			t.Errorf("confidence %d", *f.Confidence)
		}
		if f.SWEMWBSMetric != nil {
			answered++
			if *f.SWEMWBSMetric < 7 || *f.SWEMWBSMetric > 35 {
				t.Errorf("SWEMWBS metric %v", *f.SWEMWBSMetric)
			}
		}
	}
	if answered == 0 {
		t.Error("no follow-up has a SWEMWBS score")
	}
	for _, f := range ds.Finance {
		if f.Org == "" || f.Return.Year == 0 || f.DeliveryCost <= 0 {
			t.Errorf("finance not filled: %+v", f)
		}
		if f.FundingSecuredUntil != nil {
			inRange("funding", *f.FundingSecuredUntil)
		}
	}
	if len(orgs) < 2 {
		t.Fatalf("only %d organisations", len(orgs))
	}

	// One organisation's load is its rows only.
	for org := range orgs {
		one, err := lakedata.Load(ctx, l, std, org)
		if err != nil {
			t.Fatal(err)
		}
		want := rows(org)
		got := map[string]int{
			lakedata.KindCarers: len(one.Carers), lakedata.KindSupport: len(one.Support), lakedata.KindOutcomes: len(one.Outcomes),
			lakedata.KindFollowups: len(one.Followups), lakedata.KindFinance: len(one.Finance),
		}
		for kind, n := range want {
			if got[kind] != n {
				t.Errorf("%s %s: loaded %d rows, the pointers say %d", org, kind, got[kind], n)
			}
		}
		for _, c := range one.Carers {
			if c.Org != org {
				t.Fatalf("load of %s has a carer of %s", org, c.Org)
			}
		}
		for _, f := range one.Followups {
			if f.Org != org {
				t.Fatalf("load of %s has a follow-up of %s", org, f.Org)
			}
		}
		break
	}
	none, err := lakedata.Load(ctx, l, std, "NO-SUCH-ORG")
	if err != nil {
		t.Fatal(err)
	}
	if len(none.Carers)+len(none.Followups)+len(none.Support)+len(none.Outcomes)+len(none.Finance) != 0 {
		t.Error("an unknown organisation has rows")
	}
}

// followupRow has the follow-up columns the loader reads, with the curated
// names and physical types.
type followupRow struct {
	UploadID         string   `parquet:"upload_id"`
	SourceRow        int32    `parquet:"source_row"`
	CarerID          string   `parquet:"carer_id"`
	SurveyDate       int32    `parquet:"survey_date,date"`
	Wave             string   `parquet:"wave,dict"`
	EmploymentStatus string   `parquet:"employment_status,dict"`
	Confidence       *int32   `parquet:"confidence,optional"`
	ITSkills         *int32   `parquet:"it_skills,optional"`
	SWEMWBSMetric    *float64 `parquet:"swemwbs_metric,optional"`
	TimesSuited      *string  `parquet:"times_suited,optional,dict"`
	StaffUnderstood  *string  `parquet:"staff_understood,optional,dict"`
	HeardVia         *string  `parquet:"heard_via,optional,dict"`
}

// BenchmarkLoad_Followups loads a lake of one million follow-up rows, in
// ten files of 100,000.
func BenchmarkLoad_Followups(b *testing.B) {
	ctx := context.Background()
	std := standardtest.Load(b)
	store, err := fsstore.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	l := &lake.Lake{Store: store}
	const files, per = 10, 100_000
	waves := []string{"W0", "W12", "W26", "W52"}
	yn := []string{"Y", "N", "U"}
	for fi := range files {
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[followupRow](&buf, parquet.Compression(&parquet.Zstd), parquet.MaxRowsPerRowGroup(64*1024))
		rows := make([]followupRow, 0, 1024)
		for i := range per {
			c, s := int32(1+i%5), 7+float64(i%280)/10
			r := followupRow{UploadID: "u", SourceRow: int32(i + 2), CarerID: fmt.Sprintf("%016x", (fi*per+i)/3),
				SurveyDate: int32(19000 + i%700), Wave: waves[i%4], EmploymentStatus: "EMPLOYED_FT"}
			if i%3 != 0 {
				r.Confidence, r.ITSkills, r.SWEMWBSMetric = &c, &c, &s
				r.TimesSuited, r.StaffUnderstood, r.HeardVia = &yn[i%3], &yn[(i+1)%3], &waves[i%4]
			}
			rows = append(rows, r)
			if len(rows) == cap(rows) {
				if _, err := w.Write(rows); err != nil {
					b.Fatal(err)
				}
				rows = rows[:0]
			}
		}
		if _, err := w.Write(rows); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		period := pipeline.Period{Year: 2025, Quarter: 1}
		part := lake.Partition{Kind: lakedata.KindFollowups, Org: fmt.Sprintf("ORG-%d", fi), Period: period}
		v := lake.Version{Partition: part, UploadID: "u", ReceivedAt: period.End(), Rows: per,
			Data: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())}
		if _, err := l.Commit(ctx, v); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.ReportAllocs()
	for b.Loop() {
		ds, err := lakedata.Load(ctx, l, std, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(ds.Followups) != files*per {
			b.Fatalf("%d rows", len(ds.Followups))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(files*per), "ns/row")
}
