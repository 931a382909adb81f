package reportpage

import (
	"cmp"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// The page is built section by section: each section of the page has its
// own file (headline.go, sustained.go, outcomes.go, support.go, soft.go,
// costs.go, budgets.go, subgroups.go, other.go, quality.go); this file has
// what they share, and format.go how numbers are written.

// Suppressed is what the page and the CSVs show for a suppressed figure.
const Suppressed = "suppressed (small numbers)"

type page struct {
	Title     string
	Scope     string
	Period    string
	Orgs      string
	Generated string
	GenISO    string
	Sections  []*section
	Methods   []MethodNote
	Quality   *table
	QualParts []qualityPart
}

type section struct {
	ID     string
	Title  string
	Intro  []string
	Charts []chart
	Tables []*table
	Notes  []string
}

type chart struct {
	ID      string
	Caption string
	SVG     template.HTML
}

type table struct {
	ID      string // also the CSV's name
	Caption string
	Head    []string // the first is the row headers' column
	Num     []bool   // per data column: right-aligned
	Rows    []row
}

type row struct {
	Head  string
	Cells []cell
}

type cell struct {
	Text       string
	Suppressed bool
}

func (p *page) tables() []*table {
	var ts []*table
	for _, s := range p.Sections {
		ts = append(ts, s.Tables...)
	}
	if p.Quality != nil {
		ts = append(ts, p.Quality)
	}
	for _, q := range p.QualParts {
		ts = append(ts, q.Table)
	}
	return ts
}

// figureSet finds the figures the page shows.
type figureSet struct {
	r    *Report
	used map[int]bool
}

func (fs *figureSet) current(f *metrics.Figure) bool {
	return f.Scope == fs.r.Scope && f.Period == fs.r.Period && f.Subgroup == nil
}

// get returns the current figure with that id and no cohort.
func (fs *figureSet) get(id string) *metrics.Figure {
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if f.ID == id && f.Cohort == "" && fs.current(f) {
			fs.used[i] = true
			return f
		}
	}
	return nil
}

// prefixed returns the current figures whose id starts with prefix, in
// report order.
func (fs *figureSet) prefixed(prefix string) []*metrics.Figure {
	var out []*metrics.Figure
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if strings.HasPrefix(f.ID, prefix) && f.Cohort == "" && fs.current(f) {
			fs.used[i] = true
			out = append(out, f)
		}
	}
	return out
}

// cohorts returns the current figures with that id, one per cohort, by cohort.
func (fs *figureSet) cohorts(id string) []*metrics.Figure {
	var out []*metrics.Figure
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if f.ID == id && f.Cohort != "" && fs.current(f) {
			fs.used[i] = true
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b *metrics.Figure) int { return cmp.Compare(a.Cohort, b.Cohort) })
	return out
}

// find returns the figure of the report's scope with that id and period.
func (fs *figureSet) find(id, period string) *metrics.Figure {
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if f.ID == id && f.Period == period && f.Scope == fs.r.Scope && f.Subgroup == nil && f.Cohort == "" {
			fs.used[i] = true
			return f
		}
	}
	return nil
}

// label is the standard's words for a code of a column, or codeLabel's.
func (fs *figureSet) label(column, code string) string {
	if l, ok := fs.r.Labels[column][code]; ok {
		return l
	}
	return codeLabel(code)
}

func build(r Report) (*page, error) {
	fs := &figureSet{r: &r, used: map[int]bool{}}
	scope := r.Scope
	if scope == metrics.Consortium {
		scope = "the consortium"
	}
	p := &page{
		Title:   fmt.Sprintf("Carer outcomes report for %s, %s", scope, r.Period),
		Scope:   scope,
		Period:  r.Period,
		Orgs:    strings.Join(r.Orgs, ", "),
		Methods: r.Methods,
	}
	if !r.Generated.IsZero() {
		g := r.Generated.UTC()
		p.Generated = g.Format("2 January 2006, 15:04 UTC")
		p.GenISO = g.Format(time.RFC3339)
	}
	steps := []func(*figureSet) (*section, error){
		headline, sustained, outcomes, support, referral, soft, costs, budgets, subgroups, other,
	}
	for _, step := range steps {
		s, err := step(fs)
		if err != nil {
			return nil, err
		}
		if s != nil {
			p.Sections = append(p.Sections, s)
		}
	}
	if r.Scope == metrics.Consortium {
		orgs, err := orgSections(r)
		if err != nil {
			return nil, err
		}
		p.Sections = append(p.Sections, orgs...)
	}
	if s := assumptions(r.Assumptions); s != nil {
		p.Sections = append(p.Sections, s)
	}
	for i := range p.Methods {
		p.Methods[i].ID = clean(p.Methods[i].ID)
		p.Methods[i].Definition = clean(p.Methods[i].Definition)
	}
	p.Quality = qualityTable(r.Quality)
	p.QualParts = qualityParts(r.Quality)
	return p, nil
}

// figureRow is a row of label, value and "numerator of denominator".
func figureRow(label string, f *metrics.Figure) row {
	if f.Suppressed {
		return row{Head: label, Cells: []cell{{Text: Suppressed, Suppressed: true}, {Text: Suppressed, Suppressed: true}}}
	}
	base := "—"
	if f.Numerator != nil && f.Denominator != nil && (f.Unit == metrics.UnitRate || f.Unit == metrics.UnitDifference) {
		base = fmt.Sprintf("%s of %s", num(*f.Numerator), num(*f.Denominator))
	} else if f.Unit == metrics.UnitMeanChange && f.Denominator != nil {
		base = num(*f.Denominator) + " pairs"
	} else if f.Unit == metrics.UnitGBP && f.Numerator != nil && f.Denominator != nil {
		base = fmt.Sprintf("%s ÷ %s", money(*f.Numerator), num(*f.Denominator))
	}
	return row{Head: label, Cells: []cell{{Text: Value(*f)}, {Text: base}}}
}

func figureTable(id, caption string, rows []row) *table {
	return &table{ID: id, Caption: caption, Head: []string{"Figure", "Value", "From"}, Num: []bool{true, true}, Rows: rows}
}

func valueCell(f *metrics.Figure) cell {
	if f.Suppressed {
		return cell{Text: Suppressed, Suppressed: true}
	}
	return cell{Text: Value(*f)}
}

// item is a figure of a simple section and the words it is shown with.
type item struct{ id, label string }

// simpleSection is a section of one table of figures, one row per item
// given; nil when none of them is in the report.
func simpleSection(fs *figureSet, id, title, caption string, intro []string, items []item) *section {
	var rows []row
	for _, it := range items {
		if f := fs.get(it.id); f != nil {
			rows = append(rows, figureRow(it.label, f))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return &section{ID: id, Title: title, Intro: intro, Tables: []*table{figureTable(id, caption, rows)}}
}

// grid is a table of figures: one row per label, one column per figure
// id, each cell the figure's value, or a dash where there is none.
type grid struct {
	t      *table
	rows   map[string]int
	column map[string]int
}

func newGrid(id, caption, rowHead string, columns []item) *grid {
	g := &grid{t: &table{ID: id, Caption: caption, Head: []string{rowHead}}, rows: map[string]int{}, column: map[string]int{}}
	for i, c := range columns {
		g.column[c.id] = i
		g.t.Head = append(g.t.Head, c.label)
		g.t.Num = append(g.t.Num, true)
	}
	return g
}

// put sets the cell of a figure, adding its row the first time.
func (g *grid) put(label, id string, f *metrics.Figure) {
	c, ok := g.column[id]
	if !ok {
		return
	}
	r, ok := g.rows[label]
	if !ok {
		r = len(g.t.Rows)
		g.rows[label] = r
		cells := make([]cell, len(g.column))
		for i := range cells {
			cells[i] = cell{Text: "—"}
		}
		g.t.Rows = append(g.t.Rows, row{Head: clean(label), Cells: cells})
	}
	g.t.Rows[r].Cells[c] = valueCell(f)
}

func textRow(head string, cells []string) row {
	r := row{Head: head}
	for _, c := range cells {
		r.Cells = append(r.Cells, cell{Text: c})
	}
	return r
}
