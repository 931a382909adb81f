package synth_test

// An independent reader of the generated returns: it knows only the
// standard (schemas/v1 through package standard) and the file formats, not
// how the generator works, so the invariant tests check the files as the
// pipeline will see them.

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// rawTable is a table as read from a file: a header and rows of text.
type rawTable struct {
	where  string // file, and sheet for a workbook
	kind   *standard.Kind
	xlsx   bool
	header []string
	rows   [][]string
	lines  []int // the row number as the uploader sees it
}

// fileInfo records how a file was written, for the habit tests.
type fileInfo struct {
	bom, crlf, cp1252, trailing bool
	notes                       bool // a workbook with a sheet that is not a kind
	sheets                      []string
}

// decodeCSV turns the bytes of a CSV file into UTF-8 text, as the standard
// allows: UTF-8 with or without a byte-order mark, or Windows-1252.
func decodeCSV(tb testing.TB, name string, b []byte) (string, fileInfo) {
	tb.Helper()
	var fi fileInfo
	if rest, ok := bytes.CutPrefix(b, []byte("\xEF\xBB\xBF")); ok {
		fi.bom, b = true, rest
	}
	fi.crlf = bytes.Contains(b, []byte("\r\n"))
	if utf8.Valid(b) {
		return string(b), fi
	}
	fi.cp1252 = true
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x80 && c < 0xA0 {
			tb.Fatalf("%s: byte %#x: only the Latin-1 part of Windows-1252 is expected", name, c)
		}
		sb.WriteRune(rune(c))
	}
	return sb.String(), fi
}

func readCSV(tb testing.TB, std *standard.Standard, file string) (*rawTable, fileInfo) {
	tb.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	text, fi := decodeCSV(tb, file, b)
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		tb.Fatalf("%s: encoding/csv: %v", file, err)
	}
	if len(recs) == 0 {
		tb.Fatalf("%s: empty", file)
	}
	kindName := strings.TrimSuffix(filepath.Base(file), ".csv")
	t := &rawTable{where: file, kind: std.Kind(kindName), header: recs[0]}
	if t.kind == nil {
		tb.Fatalf("%s: not a kind of table", file)
	}
	for i, r := range recs[1:] {
		t.rows = append(t.rows, r)
		t.lines = append(t.lines, i+2)
	}
	fi.trailing = trimEmpty(t)
	return t, fi
}

// trimEmpty drops trailing rows with nothing in them, as readers do.
func trimEmpty(t *rawTable) bool {
	trimmed := false
	for len(t.rows) > 0 && strings.Join(t.rows[len(t.rows)-1], "") == "" {
		t.rows, t.lines = t.rows[:len(t.rows)-1], t.lines[:len(t.lines)-1]
		trimmed = true
	}
	return trimmed
}

func readXLSX(tb testing.TB, std *standard.Standard, file string) ([]*rawTable, fileInfo) {
	tb.Helper()
	f, err := excelize.OpenFile(file)
	if err != nil {
		tb.Fatalf("%s: excelize: %v", file, err)
	}
	defer f.Close()
	var fi fileInfo
	var out []*rawTable
	for _, sheet := range f.GetSheetList() {
		fi.sheets = append(fi.sheets, sheet)
		k := std.Kind(strings.ToLower(sheet))
		if k == nil {
			fi.notes = true
			continue
		}
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			tb.Fatalf("%s [%s]: %v", file, sheet, err)
		}
		if len(rows) == 0 {
			tb.Fatalf("%s [%s]: empty sheet", file, sheet)
		}
		t := &rawTable{where: file + " [" + sheet + "]", kind: k, xlsx: true, header: rows[0]}
		for i, r := range rows[1:] {
			t.rows = append(t.rows, r)
			t.lines = append(t.lines, i+2)
		}
		trimEmpty(t)
		out = append(out, t)
	}
	return out, fi
}

// cell is a validated value.
type cell struct {
	present bool
	text    string        // as written
	code    string        // for coded fields: the code it stands for
	date    pipeline.Days // for dates
	num     float64       // for numbers and money
}

// record is a validated row.
type record struct {
	where string
	line  int
	org   string
	f     map[string]cell
}

func (r record) get(name string) cell { return r.f[name] }

// table is a validated table of a return.
type table struct {
	kind *standard.Kind
	rows []record
}

// validate checks every cell of a table against the standard as the
// pipeline will, and returns the rows with their values. Cross-table rules
// (registration, one follow-up per wave) are checked by the caller.
func validate(tb testing.TB, std *standard.Standard, org string, period pipeline.Period, t *rawTable) *table {
	tb.Helper()
	qEnd := pipeline.DaysOf(period.End())
	fields := make([]*standard.Field, len(t.header))
	isOrg := make([]bool, len(t.header))
	seen := map[string]bool{}
	for i, h := range t.header {
		n := standard.NormaliseHeader(h)
		switch {
		case n == standard.NormaliseHeader(std.OrgColumn.Name) || n == standard.NormaliseHeader(std.OrgColumn.Title):
			isOrg[i] = true
			continue
		}
		for _, f := range t.kind.Fields {
			if n == standard.NormaliseHeader(f.Name) || n == standard.NormaliseHeader(f.Title) {
				fields[i] = f
			}
		}
		if fields[i] == nil {
			tb.Errorf("%s: column %q is not in the standard", t.where, h)
			continue
		}
		if seen[fields[i].Name] {
			tb.Errorf("%s: column %q twice", t.where, h)
		}
		seen[fields[i].Name] = true
	}
	for _, f := range t.kind.Fields {
		if f.Required && !seen[f.Name] {
			tb.Errorf("%s: required column %s is missing", t.where, f.Name)
		}
	}
	out := &table{kind: t.kind}
	unique := map[string]map[string]int{}
	for ri, raw := range t.rows {
		rec := record{where: t.where, line: t.lines[ri], f: map[string]cell{}}
		for i := range t.header {
			v := ""
			if i < len(raw) {
				v = raw[i]
			}
			if isOrg[i] {
				if v != org {
					tb.Errorf("%s row %d: org %q, want %q", t.where, rec.line, v, org)
				}
				rec.org = v
				continue
			}
			f := fields[i]
			if f == nil {
				continue
			}
			c, msg := parseCell(std, f, v, t.xlsx)
			if msg != "" {
				tb.Errorf("%s row %d column %s: %q: %s", t.where, rec.line, f.Name, v, msg)
				continue
			}
			if c.present && f.Type == standard.Date {
				if f.EarliestDate != nil && c.date < *f.EarliestDate {
					tb.Errorf("%s row %d column %s: %v is before %v", t.where, rec.line, f.Name, c.date, *f.EarliestDate)
				}
				if f.NotAfterQuarterEnd && c.date > qEnd {
					tb.Errorf("%s row %d column %s: %v is after the quarter's end %v", t.where, rec.line, f.Name, c.date, qEnd)
				}
			}
			rec.f[f.Name] = c
		}
		for _, f := range t.kind.Fields {
			c := rec.f[f.Name]
			if f.Required && !c.present {
				tb.Errorf("%s row %d: required %s is missing", t.where, rec.line, f.Name)
			}
			if w := f.RequiredWhen; w != nil && slices.Contains(w.In, rec.f[w.Field].code) && !c.present {
				tb.Errorf("%s row %d: %s is required when %s is %s", t.where, rec.line, f.Name, w.Field, rec.f[w.Field].code)
			}
			if f.AgeAtRegistration != nil && c.present {
				age := completedYears(c.date, rec.f["registration_date"].date)
				if age < f.AgeAtRegistration.Minimum || age > f.AgeAtRegistration.Maximum {
					tb.Errorf("%s row %d: aged %d at registration", t.where, rec.line, age)
				}
			}
			if f.Unique && c.present {
				if unique[f.Name] == nil {
					unique[f.Name] = map[string]int{}
				}
				if first, dup := unique[f.Name][c.text]; dup {
					tb.Errorf("%s row %d: %s %q already in row %d", t.where, rec.line, f.Name, c.text, first)
				}
				unique[f.Name][c.text] = rec.line
			}
		}
		for _, g := range t.kind.Groups {
			n := 0
			for _, name := range g.Fields {
				if rec.f[name].present {
					n++
				}
			}
			if n != 0 && n != len(g.Fields) {
				tb.Errorf("%s row %d: %d of the %d %s items", t.where, rec.line, n, len(g.Fields), g.Name)
			}
		}
		out.rows = append(out.rows, rec)
	}
	if (t.kind.MinRows > 0 && len(out.rows) < t.kind.MinRows) || (t.kind.MaxRows > 0 && len(out.rows) > t.kind.MaxRows) {
		tb.Errorf("%s: %d rows, want %d to %d", t.where, len(out.rows), t.kind.MinRows, t.kind.MaxRows)
	}
	return out
}

// parseCell reads one cell as the standard says; msg says what is wrong.
func parseCell(std *standard.Standard, f *standard.Field, v string, xlsx bool) (cell, string) {
	c := cell{text: v}
	if slices.Contains(std.MissingValues, strings.TrimSpace(v)) {
		return c, ""
	}
	c.present = true
	for _, p := range std.FormulaPrefixes {
		if strings.HasPrefix(v, p) && f.Type != standard.Integer && f.Type != standard.Number && f.Type != standard.Money {
			return c, "starts like a formula"
		}
	}
	switch f.Type {
	case standard.Text:
		if n := utf8.RuneCountInString(v); (f.MinLength > 0 && n < f.MinLength) || (f.MaxLength > 0 && n > f.MaxLength) {
			return c, "wrong length"
		}
		if f.Pattern != nil && !f.Pattern.MatchString(v) {
			return c, "does not match " + f.Pattern.String()
		}
	case standard.Code:
		i, ok := f.CodeList.Lookup([]byte(v))
		if !ok {
			return c, "not a code or label of " + f.CodeList.Name
		}
		c.code = f.CodeList.Entries[i].Code
	case standard.Date:
		d, ok := parseDate(v, xlsx)
		if !ok {
			return c, "not a date"
		}
		c.date = d
	case standard.Integer:
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, "not a whole number"
		}
		c.num = float64(n)
	case standard.Number:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return c, "not a number"
		}
		c.num = x
	case standard.Money:
		s := strings.TrimPrefix(v, std.Money.Symbol)
		whole, frac, _ := strings.Cut(s, ".")
		if len(frac) > std.Money.MaxDecimals {
			return c, "too many decimals"
		}
		if strings.Contains(whole, std.Money.GroupChar) {
			groups := strings.Split(whole, std.Money.GroupChar)
			for i, g := range groups {
				if (i == 0 && (len(g) < 1 || len(g) > 3)) || (i > 0 && len(g) != 3) {
					return c, "thousands separators in the wrong places"
				}
			}
			whole = strings.Join(groups, "")
		}
		x, err := strconv.ParseFloat(whole+"."+frac+"0", 64)
		if err != nil {
			return c, "not money"
		}
		c.num = x
	}
	if f.Type == standard.Integer || f.Type == standard.Number || f.Type == standard.Money {
		if (f.Minimum != nil && c.num < *f.Minimum) || (f.Maximum != nil && c.num > *f.Maximum) {
			return c, "out of range"
		}
	}
	return c, ""
}

// parseDate reads YYYY-MM-DD, DD/MM/YYYY or, in a workbook, an Excel date
// number.
func parseDate(v string, xlsx bool) (pipeline.Days, bool) {
	if xlsx {
		if n, err := strconv.Atoi(v); err == nil {
			return pipeline.Days(n - 25569), n > 60
		}
	}
	var y, m, d int
	switch {
	case len(v) == 10 && v[4] == '-' && v[7] == '-':
		y, m, d = atoi(v[:4]), atoi(v[5:7]), atoi(v[8:])
	case len(v) == 10 && v[2] == '/' && v[5] == '/':
		d, m, y = atoi(v[:2]), atoi(v[3:5]), atoi(v[6:])
	default:
		return 0, false
	}
	if y < 1000 || m < 1 || m > 12 || d < 1 || d > pipeline.DaysIn(y, m) {
		return 0, false
	}
	return pipeline.CivilDays(y, m, d), true
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func completedYears(born, on pipeline.Days) int {
	b, o := born.Time(), on.Time()
	age := o.Year() - b.Year()
	if o.Month() < b.Month() || (o.Month() == b.Month() && o.Day() < b.Day()) {
		age--
	}
	return age
}
