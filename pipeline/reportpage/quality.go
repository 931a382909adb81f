package reportpage

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// notRecorded is what the page shows for counts a return's ingest did not
// keep (it was ingested before they were counted): never a zero, which
// would claim that nothing was missing.
const notRecorded = "not recorded"

// qualityPart is a table of the data-quality section with the words that
// say how to read it.
type qualityPart struct {
	Intro []string
	Table *table
}

// qualityTable is the table of the returns of the data-quality summary:
// one row per organisation and kind of return; nil when no summary was
// supplied.
func qualityTable(rows []metrics.QualityRow) *table {
	if rows == nil {
		return nil
	}
	t := &table{ID: "data-quality", Caption: "Data quality of the returns",
		Head: []string{"Org", "Period", "Kind", "Arrived", "Received", "First received", "Due", "On time", "Upload Id",
			"Rows read", "Rows accepted", "Rows rejected", "Rejected by reason", "Uploads", "Rejected uploads", "Last rejected", "Last rejected by reason", "Survey responses"},
		Num: []bool{false, false, false, false, false, false, false, false, true, true, true, false, true, true, false, false, true}}
	for _, r := range rows {
		t.Rows = append(t.Rows, textRow(text(r.Org), []string{
			text(r.Period), text(r.Kind), yesNo(r.Arrived), text(r.Received), text(r.FirstReceived), text(r.Due), yesNo(r.OnTime), text(r.UploadID),
			count(r.RowsRead), count(r.RowsAccepted), count(r.RowsRejected), byReason(r.RejectedByReason),
			count(r.Uploads), count(r.RejectedUploads), text(r.LastRejected), byReason(r.LastRejectedByReason), surveyResponses(r),
		}))
	}
	return t
}

// surveyResponses is the followups row's count of responses that came
// through a survey webhook; a dash for the other kinds.
func surveyResponses(r metrics.QualityRow) string {
	if r.Kind != "followups" {
		return "—"
	}
	return count(r.SurveyResponses)
}

// text is a cell of words: a dash when empty.
func text(s string) string { return dash(clean(s)) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// byReason writes counts by issue code, such as rows rejected by reason:
// "date_invalid 3, unknown_code 1", in code order.
func byReason(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for k, n := range m {
		parts = append(parts, text(k)+" "+count(n))
	}
	slices.Sort(parts)
	return dash(strings.Join(parts, ", "))
}

// qualityParts returns the tables of the data-quality section that need to
// know what a row is: consent to follow-up, and the coded values that are
// U or missing.
func qualityParts(rows []metrics.QualityRow) []qualityPart {
	var parts []qualityPart
	if t := consentTable(rows); t != nil {
		parts = append(parts, qualityPart{Table: t, Intro: []string{
			"Consent to follow-up: of the carers rows each organisation's carers return stored for the quarter, how many agreed to follow-up surveys (Y), refused (N), whose answer is not known (U) or missing. " +
				"“" + notRecorded + "”: the return was ingested before these counts were kept.",
		}})
	}
	if t := valuesTable(rows); t != nil {
		parts = append(parts, qualityPart{Table: t, Intro: []string{
			"Coded values not known or missing: for each return received, the coded columns (those with a list of codes in the data standard) " +
				"with at least one value that is U (not known) or missing, and their share of the rows stored, largest first. " +
				"Columns with every value given are not listed; “none” means every coded value of the return was given. " +
				"“" + notRecorded + "”: the return was ingested before these counts were kept.",
		}})
	}
	return parts
}

// consentTable has one row per organisation and quarter with a carers row
// in the summary, or is nil when there is none.
func consentTable(rows []metrics.QualityRow) *table {
	t := &table{ID: "data-quality-consent", Caption: "Consent to follow-up surveys, of the carers rows stored",
		Head: []string{"Organisation", "Quarter", "Carers rows", "Agreed (Y)", "Refused (N)", "Not known (U)", "Missing", "Share agreed"},
		Num:  []bool{false, true, true, true, true, true, true}}
	for _, r := range rows {
		if r.Kind != "carers" {
			continue
		}
		cells := []string{dash(clean(r.Period))}
		switch c := r.Consent; {
		case !r.Arrived:
			cells = append(cells, "no return", "—", "—", "—", "—", "—")
		case c == nil:
			// The rows stored are known from the ingest log even when
			// their values were not counted.
			cells = append(cells, count(r.RowsAccepted), notRecorded, notRecorded, notRecorded, notRecorded, notRecorded)
		default:
			share := "—"
			if c.Rows > 0 {
				share = pct(c.Share, 1)
			}
			cells = append(cells, count(c.Rows), count(c.Yes), count(c.No), count(c.Unknown), count(c.Missing), share)
		}
		t.Rows = append(t.Rows, textRow(clean(r.Org), cells))
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// valuesTable has one row per return received, or is nil when none was.
// A return whose kind has no coded column has nothing to show and is left
// out.
func valuesTable(rows []metrics.QualityRow) *table {
	t := &table{ID: "data-quality-values", Caption: "Coded values not known (U) or missing, of the rows stored",
		Head: []string{"Organisation", "Quarter", "Return", "Rows stored", "Columns with values U or missing: share of rows (U, missing)"},
		Num:  []bool{false, false, true, false}}
	for _, r := range rows {
		if !r.Arrived {
			continue
		}
		head, period, kind := clean(r.Org), dash(clean(r.Period)), dash(clean(r.Kind))
		c := r.Coverage
		switch {
		case c == nil:
			t.Rows = append(t.Rows, textRow(head, []string{period, kind, count(r.RowsAccepted), notRecorded}))
		case len(c.Columns) > 0:
			t.Rows = append(t.Rows, textRow(head, []string{period, kind, count(c.Rows), columnShares(c.Columns)}))
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// columnShares lists the columns with a value U or missing, largest share
// first (the standard's order among equals), such as
// "gender 40.0% (2 U, 2 missing); ethnicity 10.0% (1 missing)".
func columnShares(cols []metrics.ColumnCoverage) string {
	var some []metrics.ColumnCoverage
	for _, c := range cols {
		if c.Unknown+c.Missing > 0 {
			some = append(some, c)
		}
	}
	if len(some) == 0 {
		return "none"
	}
	slices.SortStableFunc(some, func(a, b metrics.ColumnCoverage) int { return cmp.Compare(b.Share, a.Share) })
	parts := make([]string, len(some))
	for i, c := range some {
		var what []string
		if c.Unknown > 0 {
			what = append(what, count(c.Unknown)+" U")
		}
		if c.Missing > 0 {
			what = append(what, count(c.Missing)+" missing")
		}
		parts[i] = fmt.Sprintf("%s %s (%s)", clean(c.Column), pct(c.Share, 1), strings.Join(what, ", "))
	}
	return strings.Join(parts, "; ")
}
