package metrics

import (
	"cmp"
	"maps"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
)

// onTimeDays is how long after a quarter's end a return may arrive and
// still be on time (metrics.md section 11); the 30th day is on time.
const onTimeDays = 30

// The codes and column the data quality figures read. U is the standard's
// "not known" in every code list that has one; consent to follow-up is a
// yes/no column of the carers table.
const (
	qualityNotKnown   = "U"
	qualityYes        = "Y"
	qualityNo         = "N"
	qualityCarers     = "carers"
	qualityConsentCol = "consent_followup"
)

// QualityRow is what metrics.md section 11 shows of one kind of return of
// one organisation for one quarter, read from the ingest log. A row with
// Arrived false is a missing return.
//
// The share of U or missing values in each coded column and consent to
// follow-up come from counts the ingest kept of the rows it stored (see
// lake.ValueCounts), so that no row is read again here. Returns ingested
// before those counts were kept have Arrived true and Coverage nil: their
// values are not recorded, which is not the same as none missing.
type QualityRow struct {
	Org    string `json:"org"`
	Period string `json:"period"`
	Kind   string `json:"kind"`

	// Arrived is whether any upload of the return was stored (made
	// current); a return whose every upload was rejected whole has not
	// arrived.
	Arrived bool `json:"arrived"`
	// Received is the day (UTC) the current upload was received, and
	// FirstReceived the day the return first arrived; they differ when the
	// return was later replaced by a corrected one. Empty unless Arrived.
	Received      string `json:"received,omitempty"`
	FirstReceived string `json:"first_received,omitempty"`
	// Due is the last day a return is on time: 30 days after the quarter's
	// end. OnTime is whether it first arrived on or before Due; a
	// correction sent later does not make an on-time return late.
	Due    string `json:"due"`
	OnTime bool   `json:"on_time"`

	// Of the current upload: its id, rows read, rows stored and rows left
	// out, and the rows left out by issue code.
	UploadID         string         `json:"upload_id,omitempty"`
	RowsRead         int            `json:"rows_read"`
	RowsAccepted     int            `json:"rows_accepted"`
	RowsRejected     int            `json:"rows_rejected"`
	RejectedByReason map[string]int `json:"rejected_by_reason,omitempty"`

	// Uploads is how many uploads of the return were ingested, stored or
	// not. RejectedUploads is how many were rejected whole (nothing of
	// the table stored); LastRejected is the day the latest of them was
	// received and LastRejectedByReason its issues, so that a return sent
	// and refused is told apart from one never sent.
	Uploads              int            `json:"uploads"`
	RejectedUploads      int            `json:"rejected_uploads"`
	LastRejected         string         `json:"last_rejected,omitempty"`
	LastRejectedByReason map[string]int `json:"last_rejected_by_reason,omitempty"`

	// SurveyResponses, of a followups row, is how many follow-ups of the
	// organisation submitted in the quarter arrived through a survey
	// webhook (docs/surveys.md) rather than in a return. A followups
	// return is not missing when they did.
	SurveyResponses int `json:"survey_responses,omitempty"`

	// Coverage is, of the current upload's stored rows, each coded
	// column's values that are U or missing, and Consent (carers only) the
	// answers to consent_followup. Both are nil unless Arrived, and when
	// the current upload's counts were not recorded. The report page
	// shows them in tables of their own, not as columns of this row.
	Coverage *Coverage `json:"coverage,omitempty" report:"-"`
	Consent  *Consent  `json:"consent,omitempty" report:"-"`
}

// Coverage is how complete the coded columns of one return's stored rows
// are: for each column with a code list in the standard, in the standard's
// order, how many values are U (not known) and how many are missing.
type Coverage struct {
	Rows    int              `json:"rows"`
	Columns []ColumnCoverage `json:"columns"`
}

// ColumnCoverage is one coded column of a Coverage. Share is the share of
// the rows whose value is U or missing; 0 when no rows were stored.
type ColumnCoverage struct {
	Column  string  `json:"column"`
	Unknown int     `json:"unknown"`
	Missing int     `json:"missing"`
	Share   float64 `json:"share"`
}

// Consent is consent to follow-up surveys in a carers return's stored rows:
// how many carers agreed (Y), refused (N), whose answer is not known (U)
// or missing, and Share, the share of the rows who agreed (0 when no rows
// were stored).
type Consent struct {
	Rows    int     `json:"rows"`
	Yes     int     `json:"yes"`
	No      int     `json:"no"`
	Unknown int     `json:"unknown"`
	Missing int     `json:"missing"`
	Share   float64 `json:"share"`
}

// QualityOf is metrics.md section 11 for one quarter, from the ingest log:
// one row per organisation of orgs (in that order, each once) and per kind
// of return of kinds (in their order, such as the data standard's), every
// pair listed, so that missing returns appear with Arrived false.
//
// Of a return's ingest log entries, those with status current are uploads
// that were stored; the latest of them (by the pointer version each made
// current, the order of the lake's pointer) is the one in force, and its
// rows are shown.
// Entries with status rejected are uploads of which nothing was stored.
func QualityOf(ledger []lake.LedgerEntry, orgs, kinds []string, period pipeline.Period) []QualityRow {
	type key struct{ org, kind string }
	p := period.String()
	byKey := map[key][]int{}
	for i, e := range ledger {
		if e.Period == p {
			k := key{e.Org, e.Kind}
			byKey[k] = append(byKey[k], i)
		}
	}
	due := period.End().AddDate(0, 0, onTimeDays)
	var rows []QualityRow
	done := map[string]bool{}
	for _, org := range orgs {
		if done[org] {
			continue
		}
		done[org] = true
		for _, kind := range kinds {
			row := QualityRow{Org: org, Period: p, Kind: kind, Due: qualityDay(due)}
			var current, rejected *lake.LedgerEntry
			var first time.Time
			for _, i := range byKey[key{org, kind}] {
				e := &ledger[i]
				row.Uploads++
				switch e.Status {
				case lake.StatusCurrent:
					if current == nil || qualityLater(e, current) >= 0 {
						current = e
					}
					if first.IsZero() || e.ReceivedAt.Before(first) {
						first = e.ReceivedAt
					}
				case lake.StatusRejected:
					row.RejectedUploads++
					if rejected == nil || qualityLater(e, rejected) >= 0 {
						rejected = e
					}
				}
			}
			if current != nil {
				row.Arrived = true
				row.Received = qualityDay(current.ReceivedAt)
				row.FirstReceived = qualityDay(first)
				row.OnTime = row.FirstReceived <= row.Due
				row.UploadID = current.UploadID
				row.RowsRead = current.RowsRead
				row.RowsAccepted = current.RowsAccepted
				row.RowsRejected = current.RowsRejected
				row.RejectedByReason = maps.Clone(current.ErrorsByCode)
				row.Coverage, row.Consent = qualityValues(kind, current.Values)
			}
			if rejected != nil {
				row.LastRejected = qualityDay(rejected.ReceivedAt)
				row.LastRejectedByReason = maps.Clone(rejected.ErrorsByCode)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// qualityValues reads a return's coverage and consent from the counts its
// ingest kept; both are nil when none were kept, and consent is nil too
// for any kind but carers.
func qualityValues(kind string, v *lake.ValueCounts) (*Coverage, *Consent) {
	if v == nil {
		return nil, nil
	}
	share := func(n int) float64 {
		if v.Rows == 0 {
			return 0
		}
		return float64(n) / float64(v.Rows)
	}
	cov := &Coverage{Rows: v.Rows, Columns: make([]ColumnCoverage, 0, len(v.Columns))}
	var consent *Consent
	for _, c := range v.Columns {
		u := c.Codes[qualityNotKnown]
		cov.Columns = append(cov.Columns, ColumnCoverage{Column: c.Column, Unknown: u, Missing: c.Missing, Share: share(u + c.Missing)})
		if kind == qualityCarers && c.Column == qualityConsentCol {
			y := c.Codes[qualityYes]
			consent = &Consent{Rows: v.Rows, Yes: y, No: c.Codes[qualityNo], Unknown: u, Missing: c.Missing, Share: share(y)}
		}
	}
	return cov, consent
}

// MissingReturns is the rows of returns that have not arrived.
func MissingReturns(rows []QualityRow) []QualityRow {
	var out []QualityRow
	for _, r := range rows {
		if !r.Arrived && r.SurveyResponses == 0 {
			out = append(out, r)
		}
	}
	return out
}

// qualityLater orders ingest log entries as the pointer's history does: by
// the version each made current, then (for entries written before versions
// were kept) commit time and receipt; equal entries compare 0, and the
// caller takes the later in the log.
func qualityLater(a, b *lake.LedgerEntry) int {
	return cmp.Or(cmp.Compare(a.Version, b.Version), a.CommittedAt.Compare(b.CommittedAt), a.ReceivedAt.Compare(b.ReceivedAt))
}

// qualityDay is t's date in UTC, written YYYY-MM-DD.
func qualityDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }
