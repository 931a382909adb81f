package metrics

// The entry points the tests compute figures through: each prepares an
// Index for one computation, where a report prepares one Index for all its
// scopes (quarterly.Read) and calls its methods.

import (
	"maps"
	"slices"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Compute returns the figures of metrics.md sections 1 to 4 for one quarter
// and one scope (an organisation code or Consortium), in section order.
// It prepares ds for the one computation; a report of many scopes prepares
// an Index once and calls its Figures.
func Compute(std *standard.Standard, ds Dataset, period pipeline.Period, scope string) ([]Figure, error) {
	if err := checkScope(std, scope); err != nil {
		return nil, err
	}
	ix, err := NewIndex(std, ds, period)
	if err != nil {
		return nil, err
	}
	return ix.report(scope).basic(), nil
}

// ComputeMore returns the figures of metrics.md sections 5 to 8 for one
// quarter and one scope, in section order. It reads ds as Compute does, and
// model is the cost model of section 7 (nil for costmodel.Latest).
//
// It is separate from Compute so that the figures of sections 1 to 4, and
// their hand-worked fixture, stay as they are; a report shows both.
//
// Figures that metrics.md says are not shown are left out, not emitted
// empty: paired changes with fewer than 10 pairs, and the cost and savings
// figures of an organisation lacking a finance return for one of the four
// quarters (MissingFinance names them).
func ComputeMore(std *standard.Standard, ds Dataset, period pipeline.Period, scope string, model *costmodel.Model) ([]Figure, error) {
	if err := checkScope(std, scope); err != nil {
		return nil, err
	}
	ix, err := NewIndex(std, ds, period)
	if err != nil {
		return nil, err
	}
	if model == nil {
		if model, err = costmodel.Load(costmodel.Latest); err != nil {
			return nil, err
		}
	}
	return ix.report(scope).more(model), nil
}

// ComputeSubgroups returns metrics.md section 9: the subgroup figures for
// one quarter and scope, each carer placed by their profile (section 0).
// They go through Suppress in a consortium's report like every figure below
// consortium level.
func ComputeSubgroups(std *standard.Standard, ds Dataset, period pipeline.Period, scope string) ([]Figure, error) {
	if err := checkScope(std, scope); err != nil {
		return nil, err
	}
	ix, err := NewIndex(std, ds, period)
	if err != nil {
		return nil, err
	}
	return ix.Subgroups(std, scope)
}

// Quality is metrics.md section 11 for one quarter, from the ingest log:
// one row per organisation of orgs (in that order, each once) and per kind
// of return (in name order), every pair listed, so that missing returns
// appear with Arrived false.
//
// The kinds are those named anywhere in ledger, for any organisation and
// quarter, so pass the whole log: a kind nobody has ever sent is not
// listed. To list a fixed set of kinds, such as those of the data
// standard, use QualityOf.
func Quality(ledger []lake.LedgerEntry, orgs []string, period pipeline.Period) []QualityRow {
	seen := map[string]bool{}
	for _, e := range ledger {
		if e.Kind != "" {
			seen[e.Kind] = true
		}
	}
	return QualityOf(ledger, orgs, slices.Sorted(maps.Keys(seen)), period)
}
