package curated_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// carer is a carers row with what the test varies; the rest is fixed.
func carerCells(ref, registered, born, postcode, hours string) map[string]string {
	c := map[string]string{"client_ref": ref, "registration_date": registered, "employment_status": "U", "consent_followup": "Y"}
	for k, v := range map[string]string{"date_of_birth": born, "postcode": postcode, "caring_hours_per_week": hours} {
		if v != "" {
			c[k] = v
		}
	}
	return c
}

func TestWriter_Write_Carers(t *testing.T) {
	std := standardtest.Load(t)
	tb := table(t, std, "carers")
	tests := []struct {
		name                          string
		cells                         map[string]string
		ageBand, outward, hoursBand   any
		gender, employment, reg       any
		consent, localAuthority, hour any
	}{
		{name: "25th birthday on the day", cells: carerCells("A1", "2026-07-01", "2001-07-01", "", ""), ageBand: "25-34"},
		{name: "a day short of 25", cells: carerCells("A2", "2026-07-01", "2001-07-02", "", ""), ageBand: "16-24"},
		{name: "16 today", cells: carerCells("A3", "2026-07-01", "2010-07-01", "", ""), ageBand: "16-24"},
		{name: "65th birthday on the day", cells: carerCells("A4", "2026-07-01", "1961-07-01", "", ""), ageBand: "65+"},
		{name: "a day short of 65", cells: carerCells("A5", "2026-07-01", "1961-07-02", "", ""), ageBand: "55-64"},
		{name: "born 29 February, 28 February", cells: carerCells("A6", "2025-02-28", "2000-02-29", "", ""), ageBand: "16-24"},
		{name: "born 29 February, 1 March", cells: carerCells("A7", "2025-03-01", "2000-02-29", "", ""), ageBand: "25-34"},
		{name: "105", cells: carerCells("A8", "2026-07-01", "1921-01-01", "", ""), ageBand: "65+"},
		{name: "no date of birth", cells: carerCells("A9", "2026-07-01", "", "", ""), ageBand: nil},
		{name: "postcode lower case with a space", cells: carerCells("B1", "2026-07-01", "", "ls6 3ab", ""), outward: "LS6"},
		{name: "postcode without a space", cells: carerCells("B2", "2026-07-01", "", "SW1A1AA", ""), outward: "SW1A"},
		{name: "postcode mixed case", cells: carerCells("B3", "2026-07-01", "", "sW1a 1aA", ""), outward: "SW1A"},
		{name: "short postcode", cells: carerCells("B4", "2026-07-01", "", "M1 1AE", ""), outward: "M1"},
		{name: "Girobank", cells: carerCells("B5", "2026-07-01", "", "GIR 0AA", ""), outward: "GIR"},
		{name: "0 hours", cells: carerCells("C0", "2026-07-01", "", "", "0"), hoursBand: "0-19", hour: int64(0)},
		{name: "19 hours", cells: carerCells("C1", "2026-07-01", "", "", "19"), hoursBand: "0-19", hour: int64(19)},
		{name: "20 hours", cells: carerCells("C2", "2026-07-01", "", "", "20"), hoursBand: "20-34", hour: int64(20)},
		{name: "34 hours", cells: carerCells("C3", "2026-07-01", "", "", "34"), hoursBand: "20-34", hour: int64(34)},
		{name: "35 hours", cells: carerCells("C4", "2026-07-01", "", "", "35"), hoursBand: "35-49", hour: int64(35)},
		{name: "49 hours", cells: carerCells("C5", "2026-07-01", "", "", "49"), hoursBand: "35-49", hour: int64(49)},
		{name: "50 hours", cells: carerCells("C6", "2026-07-01", "", "", "50"), hoursBand: "50+", hour: int64(50)},
		{name: "168 hours", cells: carerCells("C7", "2026-07-01", "", "", "168"), hoursBand: "50+", hour: int64(168)},
		{name: "codes given as labels", cells: map[string]string{"client_ref": "D1", "registration_date": "2026-07-01",
			"gender": "Female", "employment_status": "Part-time employed", "consent_followup": "yes", "local_authority": "E08000035"},
			gender: "F", employment: "EMPLOYED_PT", consent: "Y", localAuthority: "E08000035"},
	}
	var recs []*validate.Record
	for i, tt := range tests {
		recs = append(recs, record(t, tb.Kind, i+2, tt.cells))
	}
	rows := readRows(t, writeTable(t, tb, recs...))
	if len(rows) != len(tests) {
		t.Fatalf("%d rows, want %d", len(rows), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rows[i]
			want := map[string]any{
				"upload_id": uploadID([]byte("carers")), "source_row": int64(i + 2),
				"carer_id": carerID(t, tt.cells["client_ref"]), "registration_date": day(t, tt.cells["registration_date"]),
				"age_band": tt.ageBand, "postcode_outward": tt.outward, "caring_hours_band": tt.hoursBand,
				"caring_hours_per_week": tt.hour, "gender": tt.gender, "local_authority": tt.localAuthority,
				"employment_status": "U", "consent_followup": "Y",
			}
			if tt.employment != nil {
				want["employment_status"], want["consent_followup"] = tt.employment, tt.consent
			}
			for _, c := range tb.Columns {
				w, ok := want[c.Name]
				if !ok {
					w = nil // every other column was left missing
				}
				if got[c.Name] != w {
					t.Errorf("%s = %#v, want %#v", c.Name, got[c.Name], w)
				}
			}
			if len(got) != len(tb.Columns) {
				t.Errorf("%d values, want %d", len(got), len(tb.Columns))
			}
		})
	}
}

func TestWriter_Write_SWEMWBS(t *testing.T) {
	std := standardtest.Load(t)
	tb := table(t, std, "followups")
	items := func(scores ...string) map[string]string {
		c := map[string]string{"client_ref": "C001", "survey_date": "2026-08-01", "wave": "Week 13", "employment_status": "U"}
		for i, s := range scores {
			if s != "" {
				c["swemwbs_"+string(rune('1'+i))] = s
			}
		}
		return c
	}
	tests := []struct {
		name  string
		cells map[string]string
		want  any
	}{
		{"sum 7", items("1", "1", "1", "1", "1", "1", "1"), 7.00},
		{"sum 20", items("3", "3", "3", "3", "3", "3", "2"), 18.59},
		{"sum 35", items("5", "5", "5", "5", "5", "5", "5"), 35.00},
		{"sum 21", items("1", "5", "2", "4", "3", "3", "3"), 19.25},
		{"one item missing", items("5", "5", "5", "", "5", "5", "5"), nil},
		{"no items", items(), nil},
	}
	var recs []*validate.Record
	for i, tt := range tests {
		recs = append(recs, record(t, tb.Kind, i+2, tt.cells))
	}
	rows := readRows(t, writeTable(t, tb, recs...))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rows[i]
			if g, ok := got["swemwbs_metric"].(float64); ok && tt.want != nil {
				if math.Abs(g-tt.want.(float64)) > 1e-9 {
					t.Errorf("swemwbs_metric = %v, want %v", g, tt.want)
				}
			} else if got["swemwbs_metric"] != tt.want {
				t.Errorf("swemwbs_metric = %#v, want %#v", got["swemwbs_metric"], tt.want)
			}
			if got["wave"] != "W13" {
				t.Errorf("wave = %#v, want the code W13", got["wave"])
			}
		})
	}
}

func TestWriter_Write_Finance(t *testing.T) {
	std := standardtest.Load(t)
	tb := table(t, std, "finance")
	rows := readRows(t, writeTable(t, tb, record(t, tb.Kind, 2, map[string]string{
		"delivery_cost_gbp": "£1,234.56", "staff_fte": "2.5", "volunteer_hours": "3000000000", "funding_nhs_gbp": "0.5",
		"funding_secured_until": "31/03/2027",
	})))
	want := map[string]any{
		"upload_id": uploadID([]byte("finance")), "source_row": int64(2),
		"delivery_cost_gbp": int64(123456), "staff_fte": 2.5, "volunteer_hours": int64(3_000_000_000), "outreach_sessions": nil,
		"funding_local_authority_gbp": nil, "funding_nhs_gbp": int64(50), "funding_trusts_gbp": nil,
		"funding_lottery_gbp": nil, "funding_other_gbp": nil, "funding_secured_until": day(t, "2027-03-31"),
	}
	for name, w := range want {
		if rows[0][name] != w {
			t.Errorf("%s = %#v, want %#v", name, rows[0][name], w)
		}
	}
}

func TestWriter_Write_Errors(t *testing.T) {
	std := standardtest.Load(t)
	tests := []struct {
		name, kind string
		rec        func(t *testing.T, tb *curated.Table) *validate.Record
		kindOf     pipeline.ErrorKind
	}{
		{"money beyond the column", "finance", func(t *testing.T, tb *curated.Table) *validate.Record {
			return record(t, tb.Kind, 2, map[string]string{"delivery_cost_gbp": "1000000000000"})
		}, pipeline.Invalid},
		{"required value missing", "support", func(t *testing.T, tb *curated.Table) *validate.Record {
			return record(t, tb.Kind, 2, map[string]string{"client_ref": "C1", "date": "2026-07-01"})
		}, pipeline.Internal},
		{"values of another kind", "support", func(t *testing.T, tb *curated.Table) *validate.Record {
			return &validate.Record{Row: 2, Values: make([]validate.Value, 3)}
		}, pipeline.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := table(t, std, tt.kind)
			w, err := curated.NewWriter(io.Discard, tb, curated.Meta{UploadID: uploadID(nil), Org: testOrg, Period: testPeriod}, testHasher(t, testOrg))
			if err != nil {
				t.Fatal(err)
			}
			err = w.Write(tt.rec(t, tb))
			if err == nil || pipeline.KindOf(err) != tt.kindOf {
				t.Fatalf("Write: %v (%v), want a %v error", err, pipeline.KindOf(err), tt.kindOf)
			}
			if err2 := w.Close(); !errors.Is(err2, err) {
				t.Errorf("Close after a failed Write: %v, want the Write's error", err2)
			}
		})
	}
}

func TestNewWriter_Meta(t *testing.T) {
	std := standardtest.Load(t)
	tb := table(t, std, "carers")
	good := curated.Meta{UploadID: uploadID(nil), Org: testOrg, Period: testPeriod, SchemaVersion: std.Version}
	tests := []struct {
		name   string
		change func(m *curated.Meta)
		nilKey bool
		ok     bool
	}{
		{"good", func(m *curated.Meta) {}, false, true},
		{"version left out", func(m *curated.Meta) { m.SchemaVersion = 0 }, false, true},
		{"upload ID in capitals", func(m *curated.Meta) { m.UploadID = "A" + m.UploadID[1:] }, false, false},
		{"upload ID short", func(m *curated.Meta) { m.UploadID = m.UploadID[:63] }, false, false},
		{"bad organisation", func(m *curated.Meta) { m.Org = "leeds cc" }, false, false},
		{"bad quarter", func(m *curated.Meta) { m.Period = "2026-Q5" }, false, false},
		{"other version", func(m *curated.Meta) { m.SchemaVersion = std.Version + 1 }, false, false},
		{"no hasher", func(m *curated.Meta) {}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := good
			tt.change(&m)
			h := testHasher(t, testOrg)
			if tt.nilKey {
				h = nil
			}
			_, err := curated.NewWriter(io.Discard, tb, m, h)
			if (err == nil) != tt.ok {
				t.Errorf("NewWriter: %v, want ok %v", err, tt.ok)
			}
		})
	}
	if _, err := curated.NewWriter(io.Discard, &curated.Table{Kind: tb.Kind}, good, nil); pipeline.KindOf(err) != pipeline.Internal {
		t.Errorf("NewWriter of a hand-made table: %v, want an internal error", err)
	}
}

func TestWriter_Empty(t *testing.T) {
	std := standardtest.Load(t)
	tb := table(t, std, "support")
	data := writeTable(t, tb)
	if rows := readRows(t, data); len(rows) != 0 {
		t.Errorf("%d rows, want none", len(rows))
	}
	if !bytes.HasPrefix(data, []byte("PAR1")) || !bytes.HasSuffix(data, []byte("PAR1")) {
		t.Errorf("not a Parquet file")
	}
}

// manyCarers writes a carers file of more than one row group and returns
// it with each carer's pseudonym and registration date.
func manyCarers(t *testing.T, n int) ([]byte, map[string]pipeline.Days) {
	t.Helper()
	std := standardtest.Load(t)
	tb := table(t, std, "carers")
	h := testHasher(t, testOrg)
	var buf bytes.Buffer
	w, err := curated.NewWriter(&buf, tb, curated.Meta{UploadID: uploadID(nil), Org: testOrg, Period: testPeriod}, h)
	if err != nil {
		t.Fatal(err)
	}
	rec := record(t, tb.Kind, 2, carerCells("R0", "2026-07-01", "", "", ""))
	ref, reg := tb.Kind.Field("client_ref").Index, tb.Kind.Field("registration_date").Index
	want := map[string]pipeline.Days{}
	for i := range n {
		rec.Row = i + 2
		rec.Values[ref].Text = []byte("R" + strconv.Itoa(i))
		rec.Values[reg].Int = int64(20000 + i%500)
		want[string(h.CarerID(rec.Values[ref].Text))] = pipeline.Days(rec.Values[reg].Int)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), want
}

func TestScanCarers(t *testing.T) {
	std := standardtest.Load(t)
	// Enough carers for several pages, and two row groups.
	data, want := manyCarers(t, curated.RowGroupRows+1000)
	got := map[string]pipeline.Days{}
	err := curated.ScanCarers(bytes.NewReader(data), int64(len(data)), func(id string, reg pipeline.Days) error {
		if _, dup := got[id]; dup {
			t.Fatalf("carer %s twice", id)
		}
		got[id] = reg
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d carers, want %d", len(got), len(want))
	}
	for id, reg := range want {
		if got[id] != reg {
			t.Fatalf("carer %s registered %v, want %v", id, got[id], reg)
		}
	}

	t.Run("stops on the function's error", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := curated.ScanCarers(bytes.NewReader(data), int64(len(data)), func(string, pipeline.Days) error { calls++; return stop })
		if err != stop || calls != 1 {
			t.Errorf("ScanCarers: %v after %d calls, want the function's error after 1", err, calls)
		}
	})
	t.Run("not a carers file", func(t *testing.T) {
		other := writeTable(t, table(t, std, "support"))
		err := curated.ScanCarers(bytes.NewReader(other), int64(len(other)), func(string, pipeline.Days) error { return nil })
		if pipeline.KindOf(err) != pipeline.Invalid {
			t.Errorf("ScanCarers of a support file: %v, want an invalid error", err)
		}
	})
	t.Run("not Parquet", func(t *testing.T) {
		junk := []byte("client_ref,registration_date\nC1,2026-07-01\n")
		err := curated.ScanCarers(bytes.NewReader(junk), int64(len(junk)), func(string, pipeline.Days) error { return nil })
		if pipeline.KindOf(err) != pipeline.Invalid {
			t.Errorf("ScanCarers of a CSV: %v, want an invalid error", err)
		}
	})
}
