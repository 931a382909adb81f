// Package lakedata loads the metrics' input (metrics.Dataset) from the lake:
// it follows the current pointer of every partition of every kind and reads
// from each curated Parquet file only the columns the figures use, a column
// at a time, straight into the rows it returns. Memory is the rows returned
// plus one page of each column being read.
package lakedata

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// The kinds of table the figures read.
const (
	KindCarers    = "carers"
	KindSupport   = "support"
	KindOutcomes  = "outcomes"
	KindFollowups = "followups"
	KindFinance   = "finance"
)

// Load reads the current rows of every kind for one organisation, or for
// every organisation when org is "". Org and Return come from each file's
// pointer, Row from source_row and the carer's pseudonym from carer_id.
// Optional columns that are null (or absent from an older file) are left
// zero: "" for codes, nil for pointers, 0 for support minutes. Rows are in
// no particular order.
//
// std is the standard the figures are computed under; the columns read are
// checked to exist in its curated tables, so that a renamed column fails
// here rather than reading as empty.
func Load(ctx context.Context, l *lake.Lake, std *standard.Standard, org string) (metrics.Dataset, error) {
	var ds metrics.Dataset
	err := Scan(ctx, l, std, org, func(b metrics.Dataset) error {
		ds.Carers = append(ds.Carers, b.Carers...)
		ds.Support = append(ds.Support, b.Support...)
		ds.Outcomes = append(ds.Outcomes, b.Outcomes...)
		ds.Followups = append(ds.Followups, b.Followups...)
		ds.Finance = append(ds.Finance, b.Finance...)
		return nil
	})
	if err != nil {
		return metrics.Dataset{}, err
	}
	return ds, nil
}

// Scan reads what Load reads, one file at a time, and hands each file's
// rows to fn as a Dataset holding that one table, so that a caller that
// folds rows into something smaller (metrics.Indexer) never holds them all.
// Every carers file comes before any file of another kind. fn is never
// called by two goroutines at once; the rows it is given are reused once it
// returns, so it copies what it keeps. An error from fn stops the scan and
// is returned.
func Scan(ctx context.Context, l *lake.Lake, std *standard.Standard, org string, fn func(metrics.Dataset) error) error {
	if l == nil || l.Store == nil {
		return pipeline.Errorf(pipeline.Internal, "load the lake: no lake")
	}
	if err := checkStandard(std); err != nil {
		return err
	}
	r := &loader{ctx: ctx, lake: l, org: org}
	var mu sync.Mutex
	serial := func(ds metrics.Dataset) error {
		mu.Lock()
		defer mu.Unlock()
		return fn(ds)
	}

	// Carers first, so that the other kinds can share their pseudonyms'
	// strings rather than allocate a copy per row.
	r.carers = map[string]map[string]string{}
	if err := scan(r, KindCarers, carerColumns, func(c *metrics.Carer, p *lake.Pointer, per pipeline.Period) {
		c.Org, c.Return = p.Org, per
	}, func(rows []metrics.Carer) error {
		mu.Lock()
		defer mu.Unlock()
		for i := range rows {
			ids := r.carers[rows[i].Org]
			if ids == nil {
				ids = map[string]string{}
				r.carers[rows[i].Org] = ids
			}
			if id := rows[i].ID; ids[id] == "" {
				ids[id] = id
			}
		}
		return fn(metrics.Dataset{Carers: rows})
	}); err != nil {
		return err
	}
	r.frozen = true

	var wg sync.WaitGroup
	errs := make([]error, 5)
	wg.Go(func() {
		errs[0] = scan(r, KindSupport, supportColumns, func(s *metrics.Support, p *lake.Pointer, per pipeline.Period) {
			s.Org, s.Return = p.Org, per
		}, func(rows []metrics.Support) error { return serial(metrics.Dataset{Support: rows}) })
	})
	wg.Go(func() {
		errs[1] = scan(r, KindOutcomes, outcomeColumns, func(o *metrics.Outcome, p *lake.Pointer, per pipeline.Period) {
			o.Org, o.Return = p.Org, per
		}, func(rows []metrics.Outcome) error { return serial(metrics.Dataset{Outcomes: rows}) })
	})
	wg.Go(func() {
		errs[2] = scan(r, KindFollowups, followupColumns, func(f *metrics.Followup, p *lake.Pointer, per pipeline.Period) {
			f.Org, f.Return = p.Org, per
		}, func(rows []metrics.Followup) error { return serial(metrics.Dataset{Followups: rows}) })
	})
	wg.Go(func() {
		errs[4] = scanSurveys(r, func(rows []metrics.Followup) error { return serial(metrics.Dataset{Followups: rows}) })
	})
	wg.Go(func() {
		errs[3] = scan(r, KindFinance, financeColumns, func(f *metrics.Finance, p *lake.Pointer, per pipeline.Period) {
			f.Org, f.Return = p.Org, per
		}, func(rows []metrics.Finance) error { return serial(metrics.Dataset{Finance: rows}) })
	})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// scanSurveys reads the survey responses of every survey partition (the
// followups that arrived through a webhook), a partition at a time, and
// hands each partition's rows to fn marked Survey. A partition compacted
// while it is read is read again from its new manifest.
func scanSurveys(r *loader, fn func([]metrics.Followup) error) error {
	mans, err := r.lake.SurveyPartitions(r.ctx, r.org)
	if err != nil {
		return fmt.Errorf("load survey responses: %w", err)
	}
	for _, m := range mans {
		period, err := pipeline.ParsePeriod(m.Period)
		if err != nil {
			return fmt.Errorf("load survey responses of %s: %w", m.Org, err)
		}
		for attempt := 0; ; attempt++ {
			rows, err := readSurveys(r, m, period)
			if err == nil {
				if err := fn(rows); err != nil {
					return err
				}
				break
			}
			if pipeline.KindOf(err) != pipeline.NotFound || attempt == 3 {
				return err
			}
			if m, _, _, err = r.lake.SurveyPartition(r.ctx, m.Org, period); err != nil {
				return err
			}
		}
	}
	return nil
}

func readSurveys(r *loader, m lake.SurveyManifest, period pipeline.Period) ([]metrics.Followup, error) {
	out := make([]metrics.Followup, m.Rows)
	base := 0
	for _, f := range m.Files {
		if f.Rows < 0 || base+f.Rows > len(out) {
			return nil, pipeline.Errorf(pipeline.Invalid, "load survey responses: manifest of %s %s says %d rows", m.Org, m.Period, m.Rows)
		}
		p := lake.Pointer{Kind: KindFollowups, Org: m.Org, Period: m.Period, Key: f.Key, Rows: f.Rows}
		err := readFile(r, &p, period, out[base:base+f.Rows], followupColumns, func(x *metrics.Followup, p *lake.Pointer, per pipeline.Period) {
			x.Org, x.Return, x.Survey = p.Org, per, true
		})
		if err != nil {
			return nil, err
		}
		base += f.Rows
	}
	if base != len(out) {
		return nil, pipeline.Errorf(pipeline.Invalid, "load survey responses: manifest of %s %s says %d rows, its files %d", m.Org, m.Period, m.Rows, base)
	}
	return out, nil
}

// column says how one curated column fills a field of a row of type T.
type column[T any] struct {
	name     string
	kind     parquet.Kind // physical type
	required bool         // a file without it is not read
	set      func(row *T, v parquet.Value, fr *fileReader)
}

var carerColumns = []column[metrics.Carer]{
	{curated.SourceRowColumn, parquet.Int32, true, func(c *metrics.Carer, v parquet.Value, _ *fileReader) { c.Row = int(v.Int32()) }},
	{"carer_id", parquet.ByteArray, true, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.ID = fr.id(v) }},
	{"registration_date", parquet.Int32, true, func(c *metrics.Carer, v parquet.Value, _ *fileReader) {
		c.Registered = pipeline.Days(v.Int32())
	}},
	{"consent_followup", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.ConsentFollowup = fr.code(v) }},
	{"employment_status", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.EmploymentStatus = fr.code(v) }},
	{"personal_budget", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.PersonalBudget = fr.code(v) }},
	{"referral_source", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.ReferralSource = fr.code(v) }},
	{"age_band", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.AgeBand = fr.code(v) }},
	{"gender", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.Gender = fr.code(v) }},
	{"ethnicity", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.Ethnicity = fr.code(v) }},
	{"cared_for_condition", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.Condition = fr.code(v) }},
	{"limiting_illness", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.LimitingIllness = fr.code(v) }},
	{"financial_difficulty", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.FinancialDifficulty = fr.code(v) }},
	{"local_authority", parquet.ByteArray, false, func(c *metrics.Carer, v parquet.Value, fr *fileReader) { c.LocalAuthority = fr.code(v) }},
}

var supportColumns = []column[metrics.Support]{
	{curated.SourceRowColumn, parquet.Int32, true, func(s *metrics.Support, v parquet.Value, _ *fileReader) { s.Row = int(v.Int32()) }},
	{"carer_id", parquet.ByteArray, true, func(s *metrics.Support, v parquet.Value, fr *fileReader) { s.CarerID = fr.id(v) }},
	{"date", parquet.Int32, true, func(s *metrics.Support, v parquet.Value, _ *fileReader) { s.Date = pipeline.Days(v.Int32()) }},
	{"minutes", parquet.Int32, false, func(s *metrics.Support, v parquet.Value, _ *fileReader) { s.Minutes = int(v.Int32()) }},
	{"outside_office_hours", parquet.ByteArray, false, func(s *metrics.Support, v parquet.Value, fr *fileReader) { s.OutsideOfficeHours = fr.code(v) }},
	{"activity", parquet.ByteArray, false, func(s *metrics.Support, v parquet.Value, fr *fileReader) { s.Activity = fr.code(v) }},
	{"mode", parquet.ByteArray, false, func(s *metrics.Support, v parquet.Value, fr *fileReader) { s.Mode = fr.code(v) }},
}

var outcomeColumns = []column[metrics.Outcome]{
	{curated.SourceRowColumn, parquet.Int32, true, func(o *metrics.Outcome, v parquet.Value, _ *fileReader) { o.Row = int(v.Int32()) }},
	{"carer_id", parquet.ByteArray, true, func(o *metrics.Outcome, v parquet.Value, fr *fileReader) { o.CarerID = fr.id(v) }},
	{"outcome_date", parquet.Int32, true, func(o *metrics.Outcome, v parquet.Value, _ *fileReader) { o.Date = pipeline.Days(v.Int32()) }},
	{"outcome", parquet.ByteArray, true, func(o *metrics.Outcome, v parquet.Value, fr *fileReader) { o.Code = fr.code(v) }},
}

var followupColumns = []column[metrics.Followup]{
	{curated.SourceRowColumn, parquet.Int32, true, func(f *metrics.Followup, v parquet.Value, _ *fileReader) { f.Row = int(v.Int32()) }},
	{"carer_id", parquet.ByteArray, true, func(f *metrics.Followup, v parquet.Value, fr *fileReader) { f.CarerID = fr.id(v) }},
	{"survey_date", parquet.Int32, true, func(f *metrics.Followup, v parquet.Value, _ *fileReader) { f.Date = pipeline.Days(v.Int32()) }},
	{"wave", parquet.ByteArray, true, func(f *metrics.Followup, v parquet.Value, fr *fileReader) { f.Wave = fr.code(v) }},
	{"employment_status", parquet.ByteArray, false, func(f *metrics.Followup, v parquet.Value, fr *fileReader) { f.EmploymentStatus = fr.code(v) }},
	{"confidence", parquet.Int32, false, func(f *metrics.Followup, v parquet.Value, fr *fileReader) { f.Confidence = fr.int(v.Int32()) }},
	{"it_skills", parquet.Int32, false, func(f *metrics.Followup, v parquet.Value, fr *fileReader) { f.ITSkills = fr.int(v.Int32()) }},
	{"swemwbs_metric", parquet.Double, false, func(f *metrics.Followup, v parquet.Value, fr *fileReader) { f.SWEMWBSMetric = fr.float(v.Double()) }},
	{"times_suited", parquet.ByteArray, false, func(f *metrics.Followup, v parquet.Value, fr *fileReader) { f.TimesSuited = fr.code(v) }},
	{"staff_understood", parquet.ByteArray, false, func(f *metrics.Followup, v parquet.Value, fr *fileReader) { f.StaffUnderstood = fr.code(v) }},
	{"heard_via", parquet.ByteArray, false, func(f *metrics.Followup, v parquet.Value, fr *fileReader) { f.HeardVia = fr.code(v) }},
}

var financeColumns = []column[metrics.Finance]{
	{curated.SourceRowColumn, parquet.Int32, true, func(f *metrics.Finance, v parquet.Value, _ *fileReader) { f.Row = int(v.Int32()) }},
	{"delivery_cost_gbp", parquet.Int64, true, func(f *metrics.Finance, v parquet.Value, fr *fileReader) {
		f.DeliveryCost = float64(v.Int64()) / fr.moneyDiv
	}},
	{"funding_secured_until", parquet.Int32, false, func(f *metrics.Finance, v parquet.Value, fr *fileReader) {
		f.FundingSecuredUntil = fr.day(pipeline.Days(v.Int32()))
	}},
}

// checkStandard checks that every column read is one the standard's
// curated tables have, with the type read.
func checkStandard(std *standard.Standard) error {
	tables, err := curated.Tables(std)
	if err != nil {
		return fmt.Errorf("load the lake: %w", err)
	}
	byKind := map[string]*curated.Table{}
	for _, t := range tables {
		byKind[t.Kind.Name] = t
	}
	check := func(kind string, names []string, kinds []parquet.Kind) error {
		t := byKind[kind]
		if kind == KindFinance && t == nil {
			return nil // a standard without finance returns has no finance to read
		}
		if t == nil {
			return pipeline.Errorf(pipeline.Invalid, "load the lake: the standard has no %s table", kind)
		}
		for i, name := range names {
			c := t.Column(name)
			if c < 0 {
				return pipeline.Errorf(pipeline.Invalid, "load the lake: the standard's %s table has no column %s", kind, name)
			}
			if want := physical(t.Columns[c].Type); want != kinds[i] {
				return pipeline.Errorf(pipeline.Invalid, "load the lake: %s.%s is %s in the standard, read as %s", kind, name, want, kinds[i])
			}
		}
		return nil
	}
	for _, err := range []error{
		checkKind(check, KindCarers, carerColumns),
		checkKind(check, KindSupport, supportColumns),
		checkKind(check, KindOutcomes, outcomeColumns),
		checkKind(check, KindFollowups, followupColumns),
		checkKind(check, KindFinance, financeColumns),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func checkKind[T any](check func(string, []string, []parquet.Kind) error, kind string, cols []column[T]) error {
	names, kinds := namesOf(cols)
	return check(kind, names, kinds)
}

func namesOf[T any](cols []column[T]) ([]string, []parquet.Kind) {
	names := make([]string, len(cols))
	kinds := make([]parquet.Kind, len(cols))
	for i, c := range cols {
		names[i], kinds[i] = c.name, c.kind
	}
	return names, kinds
}

func physical(t curated.Type) parquet.Kind {
	switch t {
	case curated.String:
		return parquet.ByteArray
	case curated.Date, curated.Int32:
		return parquet.Int32
	case curated.Int64, curated.Decimal:
		return parquet.Int64
	case curated.Double:
		return parquet.Double
	}
	return -1
}

// loader is what every file's reading shares.
type loader struct {
	ctx  context.Context
	lake *lake.Lake
	org  string
	// organisation → pseudonym → the carer's own string; read only once
	// frozen. One map per organisation, because a file is one
	// organisation's, and a small map is quicker to look in than one of
	// every carer.
	carers map[string]map[string]string
	frozen bool
}

// scan reads every current file of a kind, files in parallel, and hands
// each file's rows to fn. Each worker reuses one slice of rows.
func scan[T any](r *loader, kind string, cols []column[T], init func(*T, *lake.Pointer, pipeline.Period), fn func([]T) error) error {
	ptrs, err := r.lake.Pointers(r.ctx, kind, r.org)
	if err != nil {
		return fmt.Errorf("load %s: %w", kind, err)
	}
	for _, p := range ptrs {
		if p.Rows < 0 {
			return pipeline.Errorf(pipeline.Invalid, "load %s: pointer %s %s says %d rows", kind, p.Org, p.Period, p.Rows)
		}
	}
	ctx, cancel := context.WithCancelCause(r.ctx)
	defer cancel(nil)
	workers := min(runtime.GOMAXPROCS(0), len(ptrs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var buf []T
			for i := range jobs {
				rows, err := readCurrent(r, ptrs[i], &buf, cols, init)
				if err == nil {
					err = fn(rows)
				}
				if err != nil {
					cancel(err)
				}
			}
		})
	}
	for i := range ptrs {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// readCurrent reads the file a pointer names into buf, grown as needed, and
// returns its rows. When the file is gone because the partition was switched
// to a newer upload meanwhile, it reads the new current file.
func readCurrent[T any](r *loader, p lake.Pointer, buf *[]T, cols []column[T], init func(*T, *lake.Pointer, pipeline.Period)) ([]T, error) {
	period, err := pipeline.ParsePeriod(p.Period)
	if err != nil {
		return nil, fmt.Errorf("load %s of %s: %w", p.Kind, p.Org, err)
	}
	for attempt := 0; ; attempt++ {
		if cap(*buf) < p.Rows {
			*buf = make([]T, p.Rows)
		}
		rows := (*buf)[:p.Rows]
		clear(rows)
		err := readFile(r, &p, period, rows, cols, init)
		if err == nil {
			return rows, nil
		}
		if pipeline.KindOf(err) != pipeline.NotFound || attempt == 3 {
			return nil, err
		}
		part := lake.Partition{Kind: p.Kind, Org: p.Org, Period: period}
		next, _, ok, cerr := r.lake.Current(r.ctx, part)
		if cerr != nil {
			return nil, cerr
		}
		if !ok || next.Key == p.Key {
			return nil, err
		}
		p = next
	}
}

// fileReader is the state of reading one file.
type fileReader struct {
	carers   map[string]string
	codes    map[string]string
	ints     []int
	floats   []float64
	days     []pipeline.Days
	moneyDiv float64
	slab     int // the length of a slab: the file's rows

	// The value last returned by id and by code. A file is read a column
	// at a time, and a column often repeats a value from one row to the
	// next (a carer's contacts together): comparing with the last is
	// cheaper than hashing.
	lastID, lastCode string
	few              []string // the file's first codes
}

// id returns a carer's pseudonym, the carer's own string when it is known.
func (fr *fileReader) id(v parquet.Value) string {
	if v.IsNull() {
		return ""
	}
	b := v.ByteArray()
	if string(b) == fr.lastID && fr.lastID != "" {
		return fr.lastID
	}
	s, ok := fr.carers[string(b)]
	if !ok {
		s = string(b)
	}
	fr.lastID = s
	return s
}

// code returns a code, one string per distinct code of the file.
func (fr *fileReader) code(v parquet.Value) string {
	if v.IsNull() {
		return ""
	}
	b := v.ByteArray()
	if string(b) == fr.lastCode && fr.lastCode != "" {
		return fr.lastCode
	}
	for _, s := range fr.few {
		if string(b) == s {
			fr.lastCode = s
			return s
		}
	}
	s, ok := fr.codes[string(b)]
	if !ok {
		s = string(b)
		switch {
		case len(fr.few) < fewCodes:
			fr.few = append(fr.few, s)
		case len(fr.codes) < 4096:
			fr.codes[s] = s
		}
	}
	fr.lastCode = s
	return s
}

// fewCodes is how many of a file's codes are kept in a list, looked
// through before the map: a file's coded columns share a few dozen codes,
// and comparing short strings is quicker than hashing them.
const fewCodes = 32

// int, float and day return pointers into slabs shared by many rows, so
// that an optional answer costs no allocation of its own. A slab is as long
// as the file, so that a small file does not hold a large slab alive.
func (fr *fileReader) int(n int32) *int {
	if len(fr.ints) == 0 {
		fr.ints = make([]int, fr.slab)
	}
	p := &fr.ints[0]
	*p, fr.ints = int(n), fr.ints[1:]
	return p
}

func (fr *fileReader) float(x float64) *float64 {
	if len(fr.floats) == 0 {
		fr.floats = make([]float64, fr.slab)
	}
	p := &fr.floats[0]
	*p, fr.floats = x, fr.floats[1:]
	return p
}

func (fr *fileReader) day(d pipeline.Days) *pipeline.Days {
	if len(fr.days) == 0 {
		fr.days = make([]pipeline.Days, fr.slab)
	}
	p := &fr.days[0]
	*p, fr.days = d, fr.days[1:]
	return p
}

// readFile reads the columns of one file into dst, which has a row for
// every row of the file.
func readFile[T any](r *loader, p *lake.Pointer, period pipeline.Period, dst []T, cols []column[T], init func(*T, *lake.Pointer, pipeline.Period)) error {
	rc, obj, err := r.lake.Open(r.ctx, *p)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	defer rc.Close()
	ra, ok := rc.(io.ReaderAt)
	size := obj.Size
	if !ok || size <= 0 {
		b, err := io.ReadAll(rc)
		if err != nil {
			return pipeline.Errorf(pipeline.Transient, "load %s: %w", p.Key, err)
		}
		ra, size = bytes.NewReader(b), int64(len(b))
	}
	f, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return pipeline.Errorf(pipeline.Invalid, "load %s: open Parquet: %w", p.Key, err)
	}
	if f.NumRows() != int64(len(dst)) {
		return pipeline.Errorf(pipeline.Invalid, "load %s: %d rows, the pointer says %d", p.Key, f.NumRows(), len(dst))
	}
	fr := &fileReader{codes: map[string]string{}, moneyDiv: math.Pow10(curated.MoneyScale), slab: max(len(dst), 1)}
	if r.frozen {
		fr.carers = r.carers[p.Org]
	}
	index := make([]int, len(cols))
	for i, c := range cols {
		leaf, ok := f.Schema().Lookup(c.name)
		switch {
		case !ok && c.required:
			return pipeline.Errorf(pipeline.Invalid, "load %s: no column %s", p.Key, c.name)
		case !ok:
			index[i] = -1
			continue
		case leaf.Node.Type().Kind() != c.kind || leaf.MaxRepetitionLevel != 0:
			return pipeline.Errorf(pipeline.Invalid, "load %s: column %s is %s, want %s", p.Key, c.name, leaf.Node.Type(), c.kind)
		}
		index[i] = leaf.ColumnIndex
		if lt := leaf.Node.Type().LogicalType(); lt != nil {
			if d, ok := lt.Value.(*format.DecimalType); ok {
				fr.moneyDiv = math.Pow10(int(d.Scale))
			}
		}
	}
	for i := range dst {
		init(&dst[i], p, period)
	}
	buf := make([]parquet.Value, 1024)
	base := 0
	for gi, rg := range f.RowGroups() {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		n := int(rg.NumRows())
		rows := dst[base : base+n]
		chunks := rg.ColumnChunks()
		for i, c := range cols {
			if index[i] < 0 {
				continue
			}
			if err := readChunk(chunks[index[i]], rows, c, fr, buf); err != nil {
				return pipeline.Errorf(pipeline.Invalid, "load %s: row group %d, column %s: %w", p.Key, gi, c.name, err)
			}
		}
		base += n
	}
	return nil
}

// readChunk reads one column chunk's values into rows, page by page.
func readChunk[T any](chunk parquet.ColumnChunk, rows []T, c column[T], fr *fileReader, buf []parquet.Value) error {
	pages := chunk.Pages()
	defer pages.Close()
	j := 0
	for {
		page, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		vals := page.Values()
		for {
			n, err := vals.ReadValues(buf)
			if j+n > len(rows) {
				parquet.Release(page)
				return fmt.Errorf("more values than the row group has rows")
			}
			for _, v := range buf[:n] {
				if v.IsNull() {
					if c.required {
						parquet.Release(page)
						return fmt.Errorf("a null in a required column")
					}
				} else {
					c.set(&rows[j], v, fr)
				}
				j++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				parquet.Release(page)
				return err
			}
		}
		parquet.Release(page)
	}
	if j != len(rows) {
		return fmt.Errorf("%d values, the row group has %d rows", j, len(rows))
	}
	return nil
}
