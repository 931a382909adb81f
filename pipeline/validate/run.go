package validate

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/formula"
	"github.com/carer-outcomes/carer-outcomes/pipeline/parse"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
)

// rowState is reused from row to row so that checking a row allocates
// nothing when the row is clean.
type rowState struct {
	rec    Record
	failed []bool // per field: its cell already has an error
	issues []positioned
	warns  []positioned
	// counted are errors of groups already full: counted, not listed.
	counted int
}

type positioned struct {
	pos   int
	issue Issue
}

// run streams a table's rows through the checks.
func (v *validator) run(w *tableWork) error {
	rr, err := w.table.Rows()
	if err != nil {
		return err
	}
	defer rr.Close()
	if w.kind != nil && !w.rejected && v.cfg.Sink != nil {
		if w.sink, err = v.cfg.Sink.Table(TableInfo{Input: w.input, File: w.name, Sheet: w.table.Sheet, Kind: w.kind}); err != nil {
			return fmt.Errorf("open sink for %s: %w", w.name, err)
		}
	}
	tr := w.report
	var st rowState
	var regs map[string]keyed // carers accepted from this table
	var seen map[string]keyed // unique key → first row
	if w.kind != nil {
		st.rec.Values = make([]Value, len(w.kind.Fields))
		st.failed = make([]bool, len(w.kind.Fields))
		if len(w.kind.PrimaryKey) == 1 {
			seen = map[string]keyed{}
		}
		if w.kind.Name == "carers" {
			// A million carers make a map of 40 MB: when the table's key is
			// the client reference, one map serves both.
			regs = map[string]keyed{}
			if ref := w.kind.Field("client_ref"); seen != nil && w.rules.unique == ref {
				regs = seen
			}
		}
	}
	for {
		row, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if row.Number <= w.headerRow || v.clean.blank(row) {
			continue
		}
		tr.Rows++
		if v.cfg.Progress != nil && tr.Rows%ProgressEvery == 0 {
			v.cfg.Progress(w.input, tr.Rows)
		}
		if w.rejected {
			continue
		}
		if w.kind.MaxRows > 0 && tr.Rows > w.kind.MaxRows {
			w.rejected = true
			w.issues.reset()
			w.issues.add(false, Issue{Row: row.Number, Code: "too_many_rows", Message: fmt.Sprintf(
				"the %s table must have exactly %d row for the quarter, and this is row %d: add the amounts together into one row", w.kind.Name, w.kind.MaxRows, row.Number)})
			continue
		}
		if v.check(w, &st, row, seen) {
			tr.Accepted++
			if regs != nil {
				v.register(w, &st.rec, regs)
			}
			if w.sink != nil {
				st.rec.Row = row.Number
				if err := w.sink.Row(&st.rec); err != nil {
					return fmt.Errorf("write row %d of %s: %w", row.Number, w.name, err)
				}
			}
		} else {
			tr.Rejected++
		}
	}
	if w.kind != nil && !w.rejected && w.kind.MinRows > 0 && tr.Rows < w.kind.MinRows {
		w.rejected = true
		w.issues.add(false, Issue{Row: w.headerRow, Code: "required", Message: fmt.Sprintf(
			"the %s table has no row: fill in one row for the quarter", w.kind.Name)})
	}
	if w.rejected {
		tr.Accepted, tr.Rejected = 0, tr.Rows
		return nil
	}
	for ref, e := range regs {
		if !e.carer {
			delete(regs, ref)
		}
	}
	if len(v.carers) == 0 && regs != nil {
		v.carers = regs // the first carers table: no copy
		regs = nil
	}
	for ref, e := range regs {
		if old, ok := v.carers[ref]; !ok || e.reg < old.reg {
			v.carers[ref] = e
		}
	}
	v.last.valid = false
	return nil
}

// register notes an accepted carers row's registration date.
func (v *validator) register(w *tableWork, rec *Record, regs map[string]keyed) {
	ref := w.kind.Field("client_ref")
	reg := w.kind.Field("registration_date")
	key := rec.Values[ref.Index].Text
	d := pipeline.Days(rec.Values[reg.Index].Int)
	if e := regs[string(key)]; !e.carer || d < e.reg {
		e.reg, e.carer = d, true
		regs[string(key)] = e
	}
}

// keyed is what is known of a key in a table: the row it first appears in
// (for the duplicate check) and, for a carer, the registration date of an
// accepted row.
type keyed struct {
	row   int32
	reg   pipeline.Days
	carer bool
}

// check validates one row; it reports whether the row is accepted.
func (v *validator) check(w *tableWork, st *rowState, row tabular.Row, seen map[string]keyed) bool {
	rowNum, cells := row.Number, row.Cells
	st.issues, st.warns, st.counted = st.issues[:0], st.warns[:0], 0
	for i := range st.rec.Values {
		st.rec.Values[i] = Value{}
		st.failed[i] = false
	}
	fail := func(pos int, f *standard.Field, raw []byte, code, msg string) {
		if f != nil {
			st.failed[f.Index] = true
		}
		if col := w.column(pos, f); w.issues.full(false, col, code) {
			// A file with a million errors is counted, not described.
			w.issues.count(false, col, code)
			st.counted++
			return
		}
		if len(raw) > 0 {
			msg += v.clean.hiddenHint(raw)
		}
		st.issues = append(st.issues, positioned{pos, v.issue(w, pos, f, rowNum, raw, code, msg)})
	}
	for ci := range w.cols {
		col := &w.cols[ci]
		var cell []byte
		if ci < len(cells) {
			cell = v.clean.trim(cells[ci])
		}
		if col.org {
			if !v.missing(cell) && !strings.EqualFold(string(cell), v.cfg.Org) {
				fail(ci, nil, cell, "org_mismatch", fmt.Sprintf("the %s column says %s but this return is from %s: correct it, or delete the column", col.heading, formula.Neutralise(string(cell)), v.cfg.Org))
			}
			continue
		}
		f := col.field
		if f == nil {
			continue
		}
		if v.missing(cell) {
			if f.Required {
				hint := v.codeHint(f)
				if f.Type == standard.Money && string(cell) == "-" {
					hint = " (a dash alone means not known: if the amount is nothing, write 0)"
				}
				fail(ci, f, nil, "required", fmt.Sprintf("%s is required: fill it in%s", f.Title, hint))
			}
			continue
		}
		if code, msg := v.cell(w, f, cell, &st.rec.Values[f.Index]); code != "" {
			if f.Type == standard.Date {
				cell = st.rec.Values[f.Index].Text // an Excel date cell shows as a date, not its serial
			}
			fail(ci, f, cell, code, msg)
		}
	}
	// Cells to the right of the header are only warned about; once their
	// group is full they are only counted.
	full := w.issues.full(true, "", "unknown_column")
	for ci := len(w.cols); ci < len(cells); ci++ {
		if c := v.clean.trim(cells[ci]); len(c) == 0 {
		} else if full {
			w.issues.count(true, "", "unknown_column")
		} else {
			st.warns = append(st.warns, positioned{ci, v.issue(w, ci, nil, rowNum, c, "unknown_column", "this cell is in a column with no heading: it was ignored and not stored")})
		}
	}
	if row.Beyond > 0 {
		st.warns = append(st.warns, positioned{len(cells), Issue{Row: rowNum, Code: "unknown_column", Message: fmt.Sprintf(
			"this row has %d filled cells beyond column %s, the last one read: they were not read or stored", row.Beyond, columnLetter(len(cells)-1))}})
	}
	v.crossChecks(w, st, rowNum, seen, fail)
	flush := func(warning bool, src []positioned) {
		slices.SortStableFunc(src, func(a, b positioned) int { return a.pos - b.pos })
		for _, p := range src {
			w.issues.add(warning, p.issue)
		}
	}
	flush(false, st.issues)
	flush(true, st.warns)
	return len(st.issues) == 0 && st.counted == 0
}

// rules are a kind's rules between fields, rows and tables, resolved once
// from the standard so that checking a row looks nothing up by name.
type rules struct {
	requiredWhen []requiredWhen
	age, reg     *standard.Field // date of birth and the registration date it is checked against
	texts        []*standard.Field
	groups       []group
	carerRef     *standard.Field   // a client_ref that must be a registered carer
	afterReg     []*standard.Field // dates not before the carer's registration
	unique       *standard.Field
}

type requiredWhen struct {
	field, other *standard.Field
	when         []bool // by the other field's code index
}

type group struct {
	standard.Group
	fields []*standard.Field
}

func newRules(k *standard.Kind) *rules {
	r := &rules{}
	for _, f := range k.Fields {
		if c := f.RequiredWhen; c != nil {
			other := k.Field(c.Field)
			rw := requiredWhen{field: f, other: other, when: make([]bool, len(other.CodeList.Entries))}
			for _, code := range c.In {
				i, _ := other.CodeList.Index(code)
				rw.when[i] = true
			}
			r.requiredWhen = append(r.requiredWhen, rw)
		}
		if f.AgeAtRegistration != nil {
			r.age, r.reg = f, k.Field("registration_date")
		}
		if f.Type == standard.Text {
			r.texts = append(r.texts, f)
		}
		if f.NotBeforeRegistration {
			r.afterReg = append(r.afterReg, f)
		}
	}
	for _, g := range k.Groups {
		gr := group{Group: g}
		for _, name := range g.Fields {
			gr.fields = append(gr.fields, k.Field(name))
		}
		r.groups = append(r.groups, gr)
	}
	if len(k.ForeignKeys) > 0 {
		r.carerRef = k.Field(k.ForeignKeys[0].Fields[0])
	}
	if len(k.PrimaryKey) == 1 {
		r.unique = k.Field(k.PrimaryKey[0])
	}
	return r
}

// crossChecks are the rules between the fields of a row and between tables.
func (v *validator) crossChecks(w *tableWork, st *rowState, rowNum int, seen map[string]keyed, fail func(int, *standard.Field, []byte, string, string)) {
	r := w.rules
	vals := st.rec.Values
	pos := func(f *standard.Field) int {
		if p := w.present[f.Index]; p >= 0 {
			return p
		}
		return len(w.cols) + f.Index
	}
	ok := func(f *standard.Field) bool { return vals[f.Index].Present && !st.failed[f.Index] }
	for _, rw := range r.requiredWhen {
		if !vals[rw.field.Index].Present && !st.failed[rw.field.Index] && ok(rw.other) && rw.when[vals[rw.other.Index].Int] {
			fail(pos(rw.field), rw.field, nil, "required", fmt.Sprintf("%s is required when %s is %s: fill it in",
				rw.field.Title, rw.other.Title, rw.other.CodeList.Entries[vals[rw.other.Index].Int].Code))
		}
	}
	if f := r.age; f != nil && ok(f) && ok(r.reg) {
		age := pipeline.CompletedYears(pipeline.Days(vals[f.Index].Int), pipeline.Days(vals[r.reg.Index].Int))
		if a := f.AgeAtRegistration; age < a.Minimum || age > a.Maximum {
			fail(pos(f), f, vals[f.Index].Text, "out_of_range", fmt.Sprintf("with this %s the carer was %d at registration, but carers must be aged %d to %d: check the date", strings.ToLower(f.Title), age, a.Minimum, a.Maximum))
		}
	}
	for _, f := range r.texts {
		if ok(f) && formula.RiskyBytes(vals[f.Index].Text) {
			st.warns = append(st.warns, positioned{pos(f), v.issue(w, pos(f), f, rowNum, vals[f.Index].Text, "formula_neutralised",
				"this value starts like a spreadsheet formula: it is kept as text and never calculated")})
		}
	}
	for _, g := range r.groups {
		n := 0
		var firstMissing *standard.Field
		for _, f := range g.fields {
			if vals[f.Index].Present || st.failed[f.Index] {
				n++
			} else if firstMissing == nil {
				firstMissing = f
			}
		}
		if n > 0 && n < len(g.fields) {
			st.warns = append(st.warns, positioned{pos(firstMissing), v.issue(w, pos(firstMissing), firstMissing, rowNum, nil, "incomplete_group",
				fmt.Sprintf("only %d of the %d %s are filled in: the response is kept but gets no score; fill in all of them or none", n, len(g.fields), g.Title))})
		}
	}
	if ref := r.carerRef; ref != nil && ok(ref) {
		if reg, found := v.registered(vals[ref.Index].Text); !found {
			fail(pos(ref), ref, vals[ref.Index].Text, "unregistered_carer", fmt.Sprintf(
				"no carer with this client reference is registered by %s, in this upload's carers table or an earlier return: add the carer to the carers table", v.cfg.Org))
		} else {
			for _, f := range r.afterReg {
				if ok(f) && pipeline.Days(vals[f.Index].Int) < reg {
					fail(pos(f), f, vals[f.Index].Text, "date_out_of_range", fmt.Sprintf(
						"this date is before the carer's registration on %s: check the date, or the registration date in the carers table", ukDate(reg)))
				}
			}
		}
	}
	if f := r.unique; f != nil && seen != nil && ok(f) {
		key := vals[f.Index].Text
		if first, dup := seen[string(key)]; dup {
			fail(pos(f), f, key, "duplicate_row", fmt.Sprintf("this %s is already in row %d: each appears once in the %s table; merge the two rows", strings.ToLower(f.Title), first.row, w.kind.Name))
		} else {
			seen[string(key)] = keyed{row: int32(rowNum)}
		}
	}
}

// cell parses one present cell into val and checks it against its field;
// it returns an issue code and message, or "" when the cell is good.
func (v *validator) cell(w *tableWork, f *standard.Field, cell []byte, val *Value) (string, string) {
	val.Present = true
	switch f.Type {
	case standard.Text:
		val.Text = cell
		if n := utf8.RuneCount(cell); f.MaxLength > 0 && n > f.MaxLength || n < f.MinLength {
			return "invalid_format", fmt.Sprintf("%s must be %d to %d characters long; this is %d", f.Title, f.MinLength, f.MaxLength, n)
		}
		if f.Pattern != nil && !f.Pattern.Match(cell) {
			return "invalid_format", fmt.Sprintf("this is not a valid %s: write it like %s", strings.ToLower(f.Title), f.Example)
		}
	case standard.Code:
		i, ok := f.CodeList.Lookup(cell)
		if !ok {
			return "unknown_code", fmt.Sprintf("this is not one of the codes for %s: use %s", f.Title, v.codeList(f.CodeList))
		}
		val.Int = int64(i)
	case standard.Date:
		val.Text = cell
		d, p := parse.Date(cell)
		if p == parse.NotADate && w.table.ExcelDates {
			if serial, ok := parse.ExcelSerial(cell, w.table.Date1904); ok {
				d, p = serial, parse.OK
				val.Text = []byte(serial.String())
			}
		}
		if p != parse.OK {
			return "invalid_date", dateMessage(p)
		}
		val.Int = int64(d)
		switch {
		case f.EarliestDate != nil && d < *f.EarliestDate:
			return "date_out_of_range", fmt.Sprintf("this date is before %s: check the year", ukDate(*f.EarliestDate))
		case f.NotAfterQuarterEnd && d > v.quarter:
			return "date_out_of_range", fmt.Sprintf("this date is after the end of the quarter %s (%s): a return holds only what happened by the end of its quarter; check the year, or send it with the next quarter's return", v.cfg.Period, ukDate(v.quarter))
		}
	case standard.Integer:
		n, p := parse.Whole(cell)
		if p != parse.OK {
			return "invalid_number", numberMessage(f, p)
		}
		val.Int = n
		if msg := rangeMessage(f, float64(n)); msg != "" {
			return "out_of_range", msg
		}
	case standard.Number:
		x, p := parse.Number(cell)
		if p != parse.OK {
			return "invalid_number", numberMessage(f, p)
		}
		val.Float = x
		if msg := rangeMessage(f, x); msg != "" {
			return "out_of_range", msg
		}
	case standard.Money:
		if v.moneyZero(cell) {
			return "", "" // val.Int is 0
		}
		pence, p := parse.Money(cell, f.MaxDecimals)
		if p != parse.OK {
			return "invalid_number", numberMessage(f, p)
		}
		val.Int = pence
		if msg := rangeMessage(f, float64(pence)/100); msg != "" {
			return "out_of_range", msg
		}
	}
	return "", ""
}

// missing reports whether a (trimmed) cell is one of the standard's markers
// of a missing value. It runs for every cell, so it rejects most cells on
// their length or first byte.
func (v *validator) missing(cell []byte) bool {
	if len(cell) == 0 {
		return true
	}
	if len(cell) > v.longestMissing || !v.missingFirst[cell[0]] {
		return false
	}
	for _, m := range v.std.MissingValues {
		if len(m) == len(cell) && equalFoldASCII(cell, m) {
			return true
		}
	}
	return false
}

// moneyZero reports whether a money cell is one of the standard's ways of
// writing zero, such as Excel's Accounting format "£ -", with any spaces.
func (v *validator) moneyZero(cell []byte) bool {
	if bytes.IndexByte(cell, '-') < 0 {
		return false
	}
	for _, z := range v.std.Money.Zero {
		if equalIgnoringSpaces(cell, z) {
			return true
		}
	}
	return false
}

func equalIgnoringSpaces(b []byte, s string) bool {
	i, j := 0, 0
	for {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if i == len(b) || j == len(s) {
			return i == len(b) && j == len(s)
		}
		if b[i] != s[j] {
			return false
		}
		i, j = i+1, j+1
	}
}

func equalFoldASCII(b []byte, s string) bool {
	for i := range b {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// issue builds a row issue, with the value as the uploader should see it:
// shortened, and neutralised so that a report opened in Excel cannot run it.
func (v *validator) issue(w *tableWork, pos int, f *standard.Field, row int, raw []byte, code, msg string) Issue {
	is := Issue{Row: row, Value: display(raw), Code: code, Message: msg, Column: w.column(pos, f)}
	if pos < len(w.cols) {
		is.Cell = w.cols[pos].letter + fmt.Sprint(row)
	}
	if f != nil {
		is.Field, is.Title = f.Name, f.Title
	}
	return is
}

// column is the heading an issue at a position is reported under: the
// column's heading, or the field's title when the column is not in the file.
func (w *tableWork) column(pos int, f *standard.Field) string {
	switch {
	case pos < len(w.cols):
		return w.cols[pos].heading
	case f != nil:
		return f.Title
	}
	return ""
}

const maxShown = 40

func display(raw []byte) string {
	s := strings.ToValidUTF8(string(bytes.TrimSpace(raw)), "\uFFFD")
	if utf8.RuneCountInString(s) > maxShown {
		s = string([]rune(s)[:maxShown]) + "…"
	}
	return formula.Neutralise(s)
}
