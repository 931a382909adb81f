package curated_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/internal/heapwatch"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// followupPool makes n validated follow-up records of varied content: every
// code of every coded field, numbers in their ranges, and some values
// missing, as a real return has them.
func followupPool(tb testing.TB, k *standard.Kind, n int) []*validate.Record {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	start := pipeline.CivilDays(2026, 7, 1)
	out := make([]*validate.Record, n)
	for i := range out {
		rec := &validate.Record{Row: i + 2, Values: make([]validate.Value, len(k.Fields))}
		swemwbs := r.IntN(10) < 8
		for _, f := range k.Fields {
			v := &rec.Values[f.Index]
			v.Present = f.Required || r.IntN(10) < 7
			if f.Group != "" {
				v.Present = swemwbs
			}
			switch f.Type {
			case standard.Text:
				v.Present, v.Text = true, []byte("placeholder") // the client_ref, set per row
			case standard.Code:
				v.Int = int64(r.IntN(len(f.CodeList.Entries)))
			case standard.Date:
				v.Int = int64(start + pipeline.Days(r.IntN(92)))
			case standard.Integer:
				v.Int = int64(*f.Minimum) + int64(r.IntN(int(*f.Maximum-*f.Minimum)+1))
			default:
				tb.Fatalf("a follow-up field of type %s", f.Type)
			}
		}
		out[i] = rec
	}
	return out
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// bigFollowups returns the records of the generator's large follow-up table
// as validation accepts them (validated once, against its carers, and kept
// compactly). The table is generated once into the temporary folder, where
// the validation benchmark finds it too.
func bigFollowups(b *testing.B, std *standard.Standard, rows int) *compactRecords {
	b.Helper()
	cfg := synth.DefaultBigConfig()
	cfg.Followups = rows
	cfg.Out = filepath.Join(os.TempDir(), fmt.Sprintf("carer-outcomes-bench-%d-%d", cfg.Seed, rows))
	big := synth.BigResult{CarersCSV: filepath.Join(cfg.Out, synth.BigCarersFile), FollowCSV: filepath.Join(cfg.Out, synth.BigFollowupsFile)}
	if _, err := os.Stat(big.FollowCSV); err != nil {
		if big, err = synth.GenerateBig(std, cfg); err != nil {
			b.Fatal(err)
		}
	}
	lim := tabular.DefaultLimits()
	lim.MaxFileBytes, lim.MaxRows = 1<<30, 10_000_000
	carers := validate.Carers{}
	vcfg := validate.Config{Standard: std, Org: cfg.Org, Period: cfg.Period, Limits: lim, Sink: carers}
	if _, err := validate.Run(context.Background(), vcfg, []validate.Input{fileInput(b, big.CarersCSV)}); err != nil {
		b.Fatal(err)
	}
	c := &compactRecords{refIndex: map[string]int32{}}
	vcfg.Sink, vcfg.Registry = c, carers
	rep, err := validate.Run(context.Background(), vcfg, []validate.Input{fileInput(b, big.FollowCSV)})
	if err != nil {
		b.Fatal(err)
	}
	if tr := rep.Files[0].Tables[0]; tr.Accepted != rows || c.rows() != rows {
		b.Fatalf("%d rows accepted, %d kept, want %d", tr.Accepted, c.rows(), rows)
	}
	return c
}

func fileInput(tb testing.TB, name string) validate.Input {
	tb.Helper()
	f, err := os.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return validate.Input{Name: filepath.Base(name), Data: f, Size: st.Size()}
}

// compactRecords keeps validated follow-up records in a quarter of the
// memory of validate.Records: every value but the client reference fits in
// 32 bits.
type compactRecords struct {
	nf       int
	text     int // the one text field, the client reference
	refs     [][]byte
	refIndex map[string]int32
	ref      []int32
	row      []int32
	present  []uint32
	ints     []int32
}

func (c *compactRecords) rows() int { return len(c.row) }

func (c *compactRecords) Table(info validate.TableInfo) (validate.TableSink, error) {
	c.nf = len(info.Kind.Fields)
	for _, f := range info.Kind.Fields {
		if f.Type == standard.Text {
			c.text = f.Index
		}
	}
	return c, nil
}

func (c *compactRecords) Row(rec *validate.Record) error {
	ref := string(rec.Values[c.text].Text)
	i, ok := c.refIndex[ref]
	if !ok {
		i = int32(len(c.refs))
		c.refIndex[ref] = i
		c.refs = append(c.refs, []byte(ref))
	}
	c.ref = append(c.ref, i)
	c.row = append(c.row, int32(rec.Row))
	var present uint32
	for j, v := range rec.Values {
		if v.Present {
			present |= 1 << j
		}
		c.ints = append(c.ints, int32(v.Int))
	}
	c.present = append(c.present, present)
	return nil
}

func (c *compactRecords) Commit() error { return nil }
func (c *compactRecords) Abort()        {}

// record fills rec with record i, as validation would hand it over.
func (c *compactRecords) record(i int, rec *validate.Record) {
	rec.Row = int(c.row[i])
	p := c.present[i]
	for j := range rec.Values {
		rec.Values[j] = validate.Value{Present: p&(1<<j) != 0, Int: int64(c.ints[i*c.nf+j])}
	}
	rec.Values[c.text].Text = c.refs[c.ref[i]]
}

// BenchmarkWriter_Followups writes one million follow-up records to a file
// that is thrown away, timing the writer alone. "synth" is the generator's
// large table as validation accepts it: realistic values, each carer's
// responses together. "scattered" is a worst case: random values and 250,000
// carers in no order, so no pseudonym is reused from the row before. It
// reports rows per second, the file's size and the peak growth of the live
// heap; run it with -cpu 1 for the one-core figure.
func BenchmarkWriter_Followups(b *testing.B) {
	const rows = 1_000_000
	std := standardtest.Load(b)
	tb := table(b, std, "followups")
	h := testHasher(b, testOrg)
	meta := curated.Meta{UploadID: uploadID(nil), Org: testOrg, Period: testPeriod}

	run := func(b *testing.B, next func(i int) *validate.Record) {
		var size int64
		var peak uint64
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			stop := heapwatch.Start()
			var out countingWriter
			w, err := curated.NewWriter(&out, tb, meta, h)
			if err != nil {
				b.Fatal(err)
			}
			for i := range rows {
				if err := w.Write(next(i)); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			peak = max(peak, stop())
			size = out.n
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(size)/(1<<20), "file-MB")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-growth-MB")
	}

	b.Run("synth", func(b *testing.B) {
		c := bigFollowups(b, std, rows)
		rec := &validate.Record{Values: make([]validate.Value, len(tb.Kind.Fields))}
		run(b, func(i int) *validate.Record { c.record(i, rec); return rec })
	})
	b.Run("scattered", func(b *testing.B) {
		const carers = 250_000
		pool := followupPool(b, tb.Kind, 4093)
		ref := tb.Kind.Field("client_ref").Index
		refs := make([][]byte, carers)
		for i := range refs {
			refs[i] = fmt.Appendf(nil, "CR%06d", i)
		}
		run(b, func(i int) *validate.Record {
			rec := pool[i%len(pool)]
			rec.Row = i + 2
			rec.Values[ref].Text = refs[(i*7919)%carers]
			return rec
		})
	})
}
