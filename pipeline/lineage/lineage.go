// Package lineage traces an organisation's figures to the rows of its own
// returns: for one figure, every row behind it (the upload, the file and
// sheet, the source row the uploader sees in Excel, the carer_id), whether
// it is in the numerator or only in the denominator, and the counts that
// give the figure (a follow-up that arrived as a survey response is named
// by its quarter and place, File SurveyFile, with no upload); for every figure, the uploads it was computed from.
//
// It reads only the organisation's current rows, with their provenance, and
// leaves the rules of each figure to pipeline/metrics (metrics.Explainer),
// which checks that the rows it lists add up to the figure.
package lineage

import (
	"context"
	"slices"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Row is one row behind a figure, with the upload it came in.
type Row struct {
	metrics.ExplainedRow
	UploadID string `json:"upload_id"`
	File     string `json:"file"`
	Sheet    string `json:"sheet,omitempty"`
}

// SurveyFile is the File of a row that arrived as a survey response
// through a webhook rather than in an uploaded return.
const SurveyFile = "survey responses"

// Result is the rows behind one figure and the counts they give.
type Result struct {
	Org    string         `json:"org"`
	Period string         `json:"period"`
	Query  metrics.Query  `json:"query"`
	Figure metrics.Figure `json:"figure"`
	Unit   string         `json:"counts_unit"`
	Counts map[string]int `json:"counts"`
	Rows   []Row          `json:"rows"`
}

// Tracer traces one organisation's figures of one quarter.
type Tracer struct {
	org    string
	period pipeline.Period
	e      *metrics.Explainer
	ptrs   map[lake.Partition]lake.Pointer
	byKind map[string][]string // the organisation's current uploads of each kind, sorted
}

// Open reads an organisation's current rows and pointers for tracing the
// figures of period.
func Open(ctx context.Context, l *lake.Lake, std *standard.Standard, model *costmodel.Model, org string, period pipeline.Period) (*Tracer, error) {
	ds, err := lakedata.Load(ctx, l, std, org)
	if err != nil {
		return nil, err
	}
	e, err := metrics.NewExplainer(std, ds, period, model)
	if err != nil {
		return nil, err
	}
	t := &Tracer{org: org, period: period, e: e, ptrs: map[lake.Partition]lake.Pointer{}, byKind: map[string][]string{}}
	for _, k := range std.Kinds {
		ptrs, err := l.Pointers(ctx, k.Name, org)
		if err != nil {
			return nil, err
		}
		for _, p := range ptrs {
			per, err := pipeline.ParsePeriod(p.Period)
			if err != nil {
				return nil, pipeline.Errorf(pipeline.Internal, "lineage: pointer of %s %s %s: %w", p.Org, p.Period, p.Kind, err)
			}
			t.ptrs[lake.Partition{Kind: p.Kind, Org: p.Org, Period: per}] = p
			t.byKind[p.Kind] = append(t.byKind[p.Kind], p.UploadID)
		}
		slices.Sort(t.byKind[k.Name])
		t.byKind[k.Name] = slices.Compact(t.byKind[k.Name])
	}
	return t, nil
}

// Figures are the organisation's figures and subgroups, unsuppressed, as
// its own report gives them.
func (t *Tracer) Figures() ([]metrics.Figure, error) { return t.e.Figures(t.org) }

// Explain lists the rows behind one of the organisation's figures.
func (t *Tracer) Explain(q metrics.Query) (*Result, error) {
	x, err := t.e.Explain(t.org, q)
	if err != nil {
		return nil, err
	}
	res := &Result{Org: t.org, Period: t.period.String(), Query: q, Figure: x.Figure, Unit: x.Unit, Counts: x.Counts, Rows: make([]Row, len(x.Rows))}
	for i, r := range x.Rows {
		if r.Survey {
			// A survey response came in no upload: it is named by its
			// quarter and its place among that quarter's responses.
			res.Rows[i] = Row{ExplainedRow: r, File: SurveyFile}
			continue
		}
		p, ok := t.ptrs[lake.Partition{Kind: r.Kind, Org: r.Org, Period: r.Return}]
		if !ok {
			// The rows were read through the pointers a moment ago: a
			// pointer gone since is a lake changing under the trace.
			return nil, pipeline.Errorf(pipeline.Transient, "lineage: %s %s %s has no current upload any more; try again", r.Org, r.Return, r.Kind)
		}
		res.Rows[i] = Row{ExplainedRow: r, UploadID: p.UploadID, File: p.File, Sheet: p.Sheet}
	}
	return res, nil
}

// Uploads names the uploads a figure was computed from: those of the rows
// behind it, or, for a figure whose rows Explain does not list (soft
// outcomes, costs and savings, funding, personal-budget differences), every
// current upload of the organisation of the kinds it is computed from.
func (t *Tracer) Uploads(f *metrics.Figure) ([]string, error) {
	if !metrics.Explainable(f.ID) {
		var out []string
		for _, k := range metrics.KindsOf(f.ID) {
			out = append(out, t.byKind[k]...)
		}
		slices.Sort(out)
		return slices.Compact(out), nil
	}
	res, err := t.Explain(metrics.ExplainKey(f))
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, r := range res.Rows {
		if r.UploadID != "" { // not a survey response
			out = append(out, r.UploadID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Annotate sets Uploads on each of the organisation's figures in figs
// (others are left as they are).
func (t *Tracer) Annotate(figs []metrics.Figure) error {
	for i := range figs {
		f := &figs[i]
		if f.Scope != t.org || f.Suppressed {
			continue
		}
		ups, err := t.Uploads(f)
		if err != nil {
			return err
		}
		f.Uploads = ups
	}
	return nil
}
