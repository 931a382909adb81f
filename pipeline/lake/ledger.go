package lake

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// LedgerEntry is one row of the ingest log: what happened to one table of
// one upload. The JSON field names are a published shape (the Athena table
// of the log is generated from it): add fields, never rename them.
type LedgerEntry struct {
	Org           string    `json:"org"`
	Period        string    `json:"period"`
	Kind          string    `json:"kind"`
	File          string    `json:"file"`
	Sheet         string    `json:"sheet"`
	UploadID      string    `json:"upload_id"`
	SchemaVersion int       `json:"schema_version"`
	ReceivedAt    time.Time `json:"received_at"`
	CommittedAt   time.Time `json:"committed_at"`
	// Status is StatusCurrent, StatusRejected or StatusSupersededOnArrival.
	Status EntryStatus `json:"status"`
	// Version is the pointer version an entry of status current made
	// current; 0 for the others, which changed no pointer.
	Version            int    `json:"version,omitempty"`
	SupersededUploadID string `json:"superseded_upload_id,omitempty"`
	// The fields of Stats, flat (as in the pointer).
	RowsRead     int            `json:"rows_read"`
	RowsAccepted int            `json:"rows_accepted"`
	RowsRejected int            `json:"rows_rejected"`
	ErrorsByCode map[string]int `json:"errors_by_code,omitempty"`
	Values       *ValueCounts   `json:"values,omitempty"`
}

// withStats is e with the counts of s.
func (e LedgerEntry) withStats(s Stats) LedgerEntry {
	e.RowsRead, e.RowsAccepted, e.RowsRejected, e.ErrorsByCode, e.Values = s.RowsRead, s.RowsAccepted, s.RowsRejected, s.ErrorsByCode, s.Values
	return e
}

// ValueCounts counts, of the rows of one table that an upload stored, the
// values of each coded column (a column with a code list in the standard).
type ValueCounts struct {
	Rows int `json:"rows"`
	// Columns are the table's coded columns in the standard's order, every
	// one listed even when the file did not have it (all its values are
	// then missing).
	Columns []ColumnCounts `json:"columns"`
}

// ColumnCounts counts one coded column's values: how many rows had no value
// (an empty cell or one of the standard's missing values) and, of the
// others, how many had each code. Codes no row had are left out.
type ColumnCounts struct {
	Column  string         `json:"column"`
	Missing int            `json:"missing"`
	Codes   map[string]int `json:"codes,omitempty"`
}

// EntryStatus is what became of one table of an upload, in the ingest log.
type EntryStatus string

// Ledger statuses.
const (
	// StatusCurrent: the table was stored and made current, replacing
	// SupersededUploadID if any.
	StatusCurrent EntryStatus = "current"
	// StatusRejected: nothing of the table was stored.
	StatusRejected EntryStatus = "rejected"
	// StatusSupersededOnArrival: the table was valid, but an upload
	// received later was already current; it was not stored.
	StatusSupersededOnArrival EntryStatus = "superseded_on_arrival"
)

// entryKey is where an entry is kept. It is derived from what the entry
// records, never from a clock, so that any number of retried or concurrent
// deliveries of one transition name the same key, and writing it only if
// absent leaves exactly one entry:
//
//	<kind>-v<version>-<upload-id>-from-<superseded-id or none>.json   a pointer transition
//	<kind>-rejected-<upload-id>.json                                  a rejected table
//	<kind>-late-<upload-id>.json                                      superseded on arrival
//
// The version is in a transition's key because a revert repeats a pair:
// v1, then v2 replacing v1, then v1 sent again replacing v2, then v2 again.
func entryKey(e LedgerEntry) string {
	var name string
	switch e.Status {
	case StatusCurrent:
		from := e.SupersededUploadID
		if from == "" {
			from = "none"
		}
		name = fmt.Sprintf("v%08d-%s-from-%s", e.Version, e.UploadID, from)
	case StatusRejected:
		name = "rejected-" + e.UploadID
	default:
		name = "late-" + e.UploadID
	}
	return fmt.Sprintf("%sorg=%s/period=%s/%s-%s.json", ledgerPrefix, e.Org, e.Period, e.Kind, name)
}

// record writes an entry to the ingest log unless it is there already.
func (l *Lake) record(ctx context.Context, e LedgerEntry) error {
	err := l.writeJSON(ctx, entryKey(e), e, Condition{IfAbsent: true})
	if pipeline.KindOf(err) == pipeline.Conflict {
		return nil // recorded by an earlier attempt or a concurrent delivery
	}
	if err != nil {
		return fmt.Errorf("record ingest of %s %s %s: %w", e.Org, e.Period, e.Kind, err)
	}
	return nil
}

// Reject records that nothing of an upload's table was stored (every row
// rejected, or the table refused whole). The partition's pointer does not
// move. Recording the same upload's rejection again changes nothing.
func (l *Lake) Reject(ctx context.Context, e LedgerEntry) error {
	e.Status, e.Version, e.SupersededUploadID = StatusRejected, 0, ""
	if e.Org == "" || e.Kind == "" || e.Period == "" || e.UploadID == "" {
		return pipeline.Errorf(pipeline.Internal, "record a rejection: organisation, quarter, kind and upload id are needed")
	}
	return l.record(ctx, e)
}

// entry is the ingest log entry of the transition a pointer made.
func (p Pointer) entry() LedgerEntry {
	return LedgerEntry{
		Org: p.Org, Period: p.Period, Kind: p.Kind, File: p.File, Sheet: p.Sheet, UploadID: p.UploadID,
		SchemaVersion: p.SchemaVersion, ReceivedAt: p.ReceivedAt, CommittedAt: p.CommittedAt,
		Status: StatusCurrent, Version: p.Version, SupersededUploadID: p.SupersededUploadID,
	}.withStats(p.Stats)
}

// Ledger reads the ingest log of an organisation (or, org "", of all), in
// key order: by organisation, quarter, kind and, for a partition's
// transitions, version.
func (l *Lake) Ledger(ctx context.Context, org string) ([]LedgerEntry, error) {
	prefix := ledgerPrefix
	if org != "" {
		prefix += "org=" + org + "/"
	}
	keys, err := l.listKeys(ctx, prefix)
	if err != nil {
		return nil, err
	}
	return l.readLedger(ctx, keys)
}

// readLedger reads the ingest log entries of keys, in that order.
func (l *Lake) readLedger(ctx context.Context, keys []string) ([]LedgerEntry, error) {
	out := make([]LedgerEntry, len(keys))
	err := l.readEach(ctx, keys, func(i int) error {
		if _, err := l.readJSON(ctx, keys[i], &out[i]); err != nil {
			return fmt.Errorf("read the ingest log: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// QuarterLedger reads the ingest log of one quarter (YYYY-Qn), of every
// organisation, in key order. A quarter's data quality needs only its own
// entries; reading the log of every quarter costs a read per entry, for
// years of returns.
func (l *Lake) QuarterLedger(ctx context.Context, period string) ([]LedgerEntry, error) {
	all, err := l.listKeys(ctx, ledgerPrefix)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, k := range all {
		if strings.Contains(k, "/period="+period+"/") {
			keys = append(keys, k)
		}
	}
	return l.readLedger(ctx, keys)
}
