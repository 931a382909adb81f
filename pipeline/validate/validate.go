// Package validate checks a return against the data standard: it maps each
// table's header to a kind's fields, reads and checks every cell, checks the
// rules between fields, rows and tables, and reports every problem where the
// uploader sees it in Excel. Accepted rows stream to a Sink, which the lake
// writer implements; a table is committed only when the whole upload has
// been read, so a file that fails half way leaves nothing behind.
package validate

import (
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
)

// Config says whose return this is and what to check it against.
type Config struct {
	Standard *standard.Standard
	Org      string
	Period   pipeline.Period
	Limits   tabular.Limits
	// Registry holds carers registered by earlier uploads of this
	// organisation; nil when there are none to consult.
	Registry Registry
	// Sink receives accepted rows; nil only validates.
	Sink Sink
	// Progress, when set, is told every ProgressEvery rows how many rows of
	// an input's table have been checked, for a progress bar.
	Progress func(input, rows int)
}

// ProgressEvery is how many rows pass between calls of Config.Progress.
const ProgressEvery = 16384

// Input is one uploaded file.
type Input struct {
	Name string
	Data io.ReaderAt
	Size int64
}

// Registry answers whether a client reference is a registered carer of the
// organisation, and since when.
type Registry interface {
	Registered(clientRef []byte) (pipeline.Days, bool)
}

// Sink receives the accepted rows of each table.
type Sink interface {
	Table(TableInfo) (TableSink, error)
}

// TableInfo names a table that is about to stream.
type TableInfo struct {
	Input int // the file's position in the inputs
	File  string
	Sheet string
	Kind  *standard.Kind
}

// TableSink receives one table's accepted rows. Commit is called for every
// table only after the whole upload was read; Abort for a table that was
// rejected after its first rows had streamed, or whose file failed.
type TableSink interface {
	Row(*Record) error
	Commit() error
	Abort()
}

// Record is an accepted row, its values indexed by Field.Index. It is valid
// only during the call to TableSink.Row.
type Record struct {
	Row    int
	Values []Value
}

// Value is one typed cell. Present is false for a missing value. Int holds
// days for dates, the entry index for codes, pence for money and the number
// for whole numbers; Float holds decimals; Text holds text as written.
type Value struct {
	Present bool
	Int     int64
	Float   float64
	Text    []byte
}

// Run validates an upload. Problems with the files are in the report; the
// error is for failures that are nobody's fault in the files (a storage read
// or a sink write), with their pipeline kind.
func Run(ctx context.Context, cfg Config, inputs []Input) (*Report, error) {
	v := newValidator(cfg)
	rep := &Report{Org: cfg.Org, Period: cfg.Period.String(), StandardVersion: cfg.Standard.Version}
	var work []*tableWork
	for i, in := range inputs {
		fr := &FileReport{File: in.Name, Tables: []*TableReport{}}
		rep.Files = append(rep.Files, fr)
		f, err := tabular.Open(in.Name, in.Data, in.Size, cfg.Limits, v.kindNames)
		if err != nil {
			if pipeline.KindOf(err) != pipeline.Invalid {
				return nil, fmt.Errorf("open %s: %w", in.Name, err)
			}
			fr.Error = &FileIssue{Code: UnreadableFile, Message: err.Error()}
			continue
		}
		defer f.Close()
		fr.Format, fr.Encoding = string(f.Format), f.Encoding
		for _, s := range f.IgnoredSheets {
			fr.Warnings = append(fr.Warnings, FileIssue{Code: "ignored_sheet", Sheet: s, Message: fmt.Sprintf(
				"sheet %q is not named after a kind of table (%s): it was not read", s, strings.Join(v.kindNames, ", "))})
		}
		if len(f.Tables) == 0 {
			// A workbook of which nothing could be read is not a success.
			fr.Error = &FileIssue{Code: NoTable, Message: fmt.Sprintf(
				"no sheet of this workbook is named after a kind of table (%s), so nothing was read or stored: rename each sheet after the table it holds, as in the template, and upload it again",
				strings.Join(v.kindNames, ", "))}
			continue
		}
		for _, t := range f.Tables {
			w, err := v.prepare(i, in.Name, fr, t)
			if err != nil {
				if failErr := v.failFile(fr, err); failErr != nil {
					return nil, failErr
				}
				break
			}
			fr.Tables = append(fr.Tables, w.report)
			work = append(work, w)
		}
	}
	// Carers first: the other tables check their client references against
	// the carers of the same upload.
	slices.SortStableFunc(work, func(a, b *tableWork) int {
		return boolRank(a.kind == nil || a.kind.Name != "carers") - boolRank(b.kind == nil || b.kind.Name != "carers")
	})
	for _, w := range work {
		if w.file.Error != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			v.abortAll(work)
			return nil, pipeline.Errorf(pipeline.Transient, "validate %s: %w", w.name, err)
		}
		if err := v.run(w); err != nil {
			if failErr := v.failFile(w.file, err); failErr != nil {
				v.abortAll(work)
				return nil, failErr
			}
		}
	}
	for _, w := range work {
		w.issues.fill(w.report)
	}
	for _, w := range work {
		if w.sink == nil {
			continue
		}
		if w.file.Error != nil || w.rejected {
			w.sink.Abort()
			continue
		}
		if err := w.sink.Commit(); err != nil {
			v.abortAll(work)
			return nil, fmt.Errorf("commit %s: %w", w.name, err)
		}
		w.sink = nil
	}
	rep.neutralise()
	return rep, nil
}

// The file-level error codes.
const (
	UnreadableFile = "unreadable_file"
	NoTable        = "no_table"
)

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// failFile turns a read error into the file's unreadable_file error and
// drops its tables; any other error is returned.
func (v *validator) failFile(fr *FileReport, err error) error {
	if pipeline.KindOf(err) != pipeline.Invalid {
		return err
	}
	fr.Error = &FileIssue{Code: UnreadableFile, Message: err.Error()}
	fr.Tables = []*TableReport{}
	return nil
}

func (v *validator) abortAll(work []*tableWork) {
	for _, w := range work {
		if w.sink != nil {
			w.sink.Abort()
			w.sink = nil
		}
	}
}

type validator struct {
	cfg       Config
	std       *standard.Standard
	kindNames []string
	headers   map[*standard.Kind]map[string]*standard.Field
	orgKeys   []string
	quarter   pipeline.Days // last day of the quarter
	// carers of this upload: client_ref → earliest registration date.
	carers         map[string]keyed
	rules          map[*standard.Kind]*rules
	clean          *cleaner
	codeTexts      map[*standard.CodeList]string
	longestMissing int
	missingFirst   [256]bool // first bytes of the missing-value markers, in both cases
	last           struct {
		ref          []byte
		days         pipeline.Days
		found, valid bool
	}
}

func newValidator(cfg Config) *validator {
	v := &validator{
		cfg: cfg, std: cfg.Standard,
		headers: map[*standard.Kind]map[string]*standard.Field{},
		orgKeys: []string{standard.NormaliseHeader(cfg.Standard.OrgColumn.Name), standard.NormaliseHeader(cfg.Standard.OrgColumn.Title)},
		quarter: pipeline.DaysOf(cfg.Period.End()),
		carers:  map[string]keyed{},
		rules:   map[*standard.Kind]*rules{},
		clean:   newCleaner(cfg.Standard),

		codeTexts: map[*standard.CodeList]string{},
	}
	for _, m := range cfg.Standard.MissingValues {
		v.longestMissing = max(v.longestMissing, len(m))
		if m != "" {
			v.missingFirst[strings.ToLower(m)[0]] = true
			v.missingFirst[strings.ToUpper(m)[0]] = true
		}
	}
	for _, k := range v.std.Kinds {
		v.kindNames = append(v.kindNames, k.Name)
		idx := map[string]*standard.Field{}
		for _, f := range k.Fields {
			for _, h := range append([]string{f.Name, f.Title}, f.Headings...) {
				idx[standard.NormaliseHeader(h)] = f
			}
		}
		v.headers[k] = idx
		v.rules[k] = newRules(k)
	}
	return v
}

// registered looks a carer up in this upload, then in earlier ones. Rows
// about one carer tend to come together, so the last answer is kept: a
// lookup in a map of a few hundred thousand carers misses the CPU's caches.
func (v *validator) registered(ref []byte) (pipeline.Days, bool) {
	if v.last.valid && string(ref) == string(v.last.ref) {
		return v.last.days, v.last.found
	}
	// The earliest registration stands, whether in this upload or before.
	e, ok := v.carers[string(ref)]
	d := e.reg
	if v.cfg.Registry != nil {
		if earlier, found := v.cfg.Registry.Registered(ref); found && (!ok || earlier < d) {
			d, ok = earlier, true
		}
	}
	v.last.ref = append(v.last.ref[:0], ref...)
	v.last.days, v.last.found, v.last.valid = d, ok, true
	return d, ok
}

// column is one column of a table's header.
type column struct {
	heading string
	letter  string
	field   *standard.Field // nil for org and unknown columns
	org     bool
}

// tableWork is a table whose header has been read, waiting for its rows.
type tableWork struct {
	name      string
	input     int
	file      *FileReport
	report    *TableReport
	table     *tabular.Table
	kind      *standard.Kind
	headerRow int
	cols      []column
	present   []int // field index → column position, -1 when absent
	rejected  bool  // a table-level error
	issues    collector
	rules     *rules
	sink      TableSink
}

// prepare reads a table's header and maps it to a kind's fields.
func (v *validator) prepare(input int, name string, fr *FileReport, t *tabular.Table) (*tableWork, error) {
	w := &tableWork{input: input, name: name, file: fr, table: t, report: &TableReport{Sheet: t.Sheet, Errors: []Issue{}, Warnings: []Issue{}}}
	rr, err := t.Rows()
	if err != nil {
		return nil, err
	}
	defer rr.Close()
	var headings []string
	for {
		row, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if !v.clean.blank(row) {
			w.headerRow = row.Number
			for _, c := range row.Cells {
				headings = append(headings, v.clean.heading(c))
			}
			break
		}
	}
	for len(headings) > 0 && headings[len(headings)-1] == "" {
		headings = headings[:len(headings)-1]
	}
	if w.headerRow == 0 {
		w.headerRow = 1
	}
	if t.Sheet != "" {
		w.kind = v.std.Kind(strings.ToLower(strings.TrimSpace(t.Sheet)))
	} else {
		w.kind = v.chooseKind(name, headings)
	}
	if w.kind == nil {
		w.rejected = true
		msg := "the columns match no kind of table (" + strings.Join(v.kindNames, ", ") + "): check the header row against the template"
		if len(headings) > 0 && strings.ContainsAny(headings[0], ";\t") {
			msg = "the columns seem to be separated by semicolons or tabs, not commas: save the file from Excel as CSV UTF-8 (comma delimited)"
		}
		w.issues.add(false, Issue{Row: w.headerRow, Code: "unknown_table", Message: msg})
		return w, nil
	}
	w.report.Kind = w.kind.Name
	w.rules = v.rules[w.kind]
	v.mapHeader(w, headings)
	return w, nil
}

// chooseKind picks the kind whose fields the headings match best; a kind
// named in the file name breaks a tie.
func (v *validator) chooseKind(name string, headings []string) *standard.Kind {
	best, bestScore, tie := (*standard.Kind)(nil), 0, false
	base := strings.ToLower(path.Base(name))
	for _, k := range v.std.Kinds {
		score := 0
		seen := map[*standard.Field]bool{}
		for _, h := range headings {
			if f := v.headers[k][standard.NormaliseHeader(h)]; f != nil && !seen[f] {
				seen[f] = true
				score++
			}
		}
		switch {
		case score == 0 || score < bestScore:
		case score > bestScore:
			best, bestScore, tie = k, score, false
		case strings.Contains(base, k.Name) && (best == nil || !strings.Contains(base, best.Name)):
			best, tie = k, false
		case best != nil && strings.Contains(base, best.Name) && !strings.Contains(base, k.Name):
		default:
			tie = true
		}
	}
	if tie {
		return nil
	}
	return best
}

func (v *validator) mapHeader(w *tableWork, headings []string) {
	k := w.kind
	w.present = make([]int, len(k.Fields))
	for i := range w.present {
		w.present[i] = -1
	}
	var orgSeen string
	// tableErr rejects the table for a problem with its header; i is the
	// heading's position, or -1 for a column that is not there at all.
	tableErr := func(code, heading string, f *standard.Field, i int, msg string) {
		w.rejected = true
		is := Issue{Row: w.headerRow, Column: heading, Code: code, Message: msg}
		if f != nil {
			is.Field, is.Title = f.Name, f.Title
		}
		if i >= 0 {
			is.Cell = cellRef(i, w.headerRow)
		}
		w.issues.add(false, is)
	}
	for i, h := range headings {
		col := column{heading: h, letter: columnLetter(i)}
		key := standard.NormaliseHeader(h)
		switch f := v.headers[k][key]; {
		case h == "":
		case slices.Contains(v.orgKeys, key):
			if orgSeen != "" {
				tableErr("duplicate_column", h, nil, i, fmt.Sprintf("%q is the same column as %q (%s): remove one of them", h, orgSeen, v.std.OrgColumn.Name))
				break
			}
			orgSeen, col.org = h, true
		case f != nil:
			if j := w.present[f.Index]; j >= 0 {
				tableErr("duplicate_column", h, f, i, fmt.Sprintf("%q is the same column as %q (%s): remove one of them", h, w.cols[j].heading, f.Name))
				break
			}
			col.field = f
			w.present[f.Index] = i
		case v.std.LooksPersonal(h):
			tableErr("personal_data_column", h, nil, i, fmt.Sprintf("%q looks like personal data (a name, address, phone number, e-mail address or NHS number), which the standard does not allow: delete the column and upload again; nothing of this table was stored", h))
		default:
			w.issues.add(true, Issue{Row: w.headerRow, Column: h, Cell: cellRef(i, w.headerRow), Code: "unknown_column",
				Message: fmt.Sprintf("%q is not a column of the %s table: it was ignored and not stored", h, k.Name)})
		}
		w.cols = append(w.cols, col)
	}
	for _, f := range k.Fields {
		if f.Required && w.present[f.Index] < 0 {
			tableErr("missing_column", f.Title, f, -1, fmt.Sprintf("the required column %q (%s) is missing: add it to the header row", f.Title, f.Name))
		}
	}
}

func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

func cellRef(col, row int) string { return fmt.Sprintf("%s%d", columnLetter(col), row) }
