// Package reportpage writes a quarterly outcomes report as files a person and
// a program can both read: one self-contained, printable HTML page
// (report.html: inline CSS, charts as inline SVG, no script, no request of
// any kind), the figures as data in the JSON shape of metrics.md section 12
// (figures.json) and one CSV per table (<section>.csv), every cell
// neutralised against spreadsheet formulas.
//
// A suppressed figure (metrics.md section 10) shows as "suppressed (small
// numbers)" and never with a number, and it leaves figures.json with no
// numbers even when the caller left some in it. A figure that is not in the
// input is simply not shown; a section with no figure is left out.
package reportpage

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/formula"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// Report is everything one report shows.
type Report struct {
	// Period is the reported quarter, such as "2026-Q3".
	Period string
	// Scope is metrics.Consortium or an organisation code.
	Scope string
	// Orgs are the organisations the report covers.
	Orgs []string
	// Figures are every figure of the report. The page shows those of Scope
	// and Period (cohort figures of Period with their cohort), and uses
	// earlier periods' quarterly outcome figures of Scope for the chart by
	// quarter; figures.json holds all of them, in this order.
	Figures []metrics.Figure
	// Methods are the definitions behind the figures.
	Methods []MethodNote
	// Assumptions are the values of the cost model.
	Assumptions []Assumption
	// Quality is the data-quality summary (metrics.md section 11), one row
	// per organisation and kind of return: a table of the returns, one of
	// consent to follow-up and one of the coded values that are U or
	// missing. Nil says no summary was supplied.
	Quality []metrics.QualityRow
	// Labels are the words for codes, by column then code, from the data
	// standard's code lists (age_band → 16-24 → "16 to 24", activity →
	// IT_SKILLS → "IT skills"); a code without one is shown in words made
	// from the code.
	Labels map[string]map[string]string
	// MissingFinance are the organisations whose cost and savings figures
	// are not shown, and are left out of the consortium's, because a
	// finance return of the four quarters is missing (metrics.md section
	// 7); the page says so.
	MissingFinance []string
	// Generated is when the report was made; zero leaves it out.
	Generated time.Time
}

// MethodNote is the definition of a figure or a group of figures.
type MethodNote struct {
	// ID is the figure id or prefix the note is about, such as
	// "sustained.starts" or "cost.per_hard_outcome".
	ID string
	// Definition says how the figure is computed, in plain words.
	Definition string
}

// Assumption is one value of the cost model.
type Assumption struct {
	Name string
	// Value is in Unit.
	Value float64
	// Unit is metrics.UnitGBP (pounds), UnitShare or metrics.UnitRate (a
	// proportion such as 0.25, shown as a percentage), "percent" (already a
	// percentage) or any other words, such as a cost model's, shown after
	// the number.
	Unit metrics.Unit
	// PriceYear is the price year of a money value, such as "2024/25"; ""
	// when none.
	PriceYear string
	// Source says where the value comes from.
	Source string
}

// UnitShare is the unit of an assumption that is a share of something,
// such as deadweight: a proportion, shown as a percentage.
const UnitShare metrics.Unit = "share"

// File names Write writes into its directory, besides one CSV per table.
const (
	HTMLFile    = "report.html"
	FiguresFile = "figures.json"
)

// Write writes report.html, figures.json and one CSV per table of the page
// (named after the table's section, such as headline.csv) into dir, which is
// created when missing. The same report always gives the same bytes.
func Write(dir string, r Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	figs := make([]metrics.Figure, len(r.Figures))
	for i, f := range r.Figures {
		figs[i] = scrub(f)
	}
	r.Figures = figs

	p, err := build(r)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	var page bytes.Buffer
	if err := pageTemplate.Execute(&page, p); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := writeFile(dir, HTMLFile, page.Bytes()); err != nil {
		return err
	}

	js, err := FiguresJSON(figs)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := writeFile(dir, FiguresFile, js); err != nil {
		return err
	}

	for _, t := range p.tables() {
		b, err := t.csv()
		if err != nil {
			return fmt.Errorf("write report: table %s: %w", t.ID, err)
		}
		if err := writeFile(dir, t.ID+".csv", b); err != nil {
			return err
		}
	}
	return nil
}

// FiguresJSON returns the figures as one JSON array in the shape of
// metrics.md section 12, one figure a line. A suppressed figure keeps its
// identity and loses every number.
func FiguresJSON(figs []metrics.Figure) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("[")
	for i, f := range figs {
		one, err := json.Marshal(scrub(f))
		if err != nil {
			return nil, fmt.Errorf("figure %s: %w", f.ID, err)
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		b.Write(one)
	}
	if len(figs) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return b.Bytes(), nil
}

// scrub returns f with no numbers when it is suppressed.
func scrub(f metrics.Figure) metrics.Figure {
	if !f.Suppressed {
		return f
	}
	return metrics.Figure{ID: f.ID, Scope: f.Scope, Period: f.Period, Unit: f.Unit, Subgroup: f.Subgroup, Cohort: f.Cohort, Suppressed: true}
}

func writeFile(dir, name string, b []byte) error {
	path := filepath.Join(dir, name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(fmt.Errorf("write report: %w", err), os.Remove(tmp))
	}
	return nil
}

// csv returns the table as CSV: a header row, then one row per table row,
// each cell as the page shows it and neutralised against formulas.
func (t *table) csv() ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	rec := make([]string, 0, len(t.Head))
	for _, h := range t.Head {
		rec = append(rec, formula.Neutralise(h))
	}
	if err := w.Write(rec); err != nil {
		return nil, err
	}
	for _, r := range t.Rows {
		rec = rec[:0]
		rec = append(rec, formula.Neutralise(r.Head))
		for _, c := range r.Cells {
			rec = append(rec, formula.Neutralise(c.Text))
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
