// Package lake is the long-term record the consortium tracks outcomes from:
// where each thing lives in the store, and the commit protocol that makes a
// corrected return replace the earlier one whole, so that no row is ever
// counted twice and none is ever lost.
//
// A table's rows are written once, as Parquet, under a key named by the
// upload's id. Which upload is current for an organisation, quarter and kind
// is said by one small pointer object, switched with a conditional write
// (If-Match, or If-None-Match for the first): the switch is atomic on S3 as
// on a filesystem, so readers see the old version or the new, never both or
// neither. Readers (metrics, Athena views) follow the pointers.
//
// Layout, relative to the lake's root:
//
//	curated/<kind>/org=<ORG>/period=<YYYY-Qn>/<upload-id>.parquet   the rows
//	current/<kind>/org=<ORG>/period=<YYYY-Qn>/current.json           the pointer
//	ledger/ingest_log/org=<ORG>/period=<YYYY-Qn>/<time>-<upload-id>-<kind>.json
//	uploads/<ORG>/<upload-id>/report.json, report.html, status.json  for the uploader
package lake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Lake is a store laid out as above.
type Lake struct {
	Store Store
}

// Partition names one organisation's quarter of one kind of table.
type Partition struct {
	Kind   string
	Org    string
	Period pipeline.Period
}

func (p Partition) path() string {
	return fmt.Sprintf("%s/org=%s/period=%s", p.Kind, p.Org, p.Period)
}

func (p Partition) String() string { return fmt.Sprintf("%s %s %s", p.Org, p.Period, p.Kind) }

// DataKey is where an upload's rows of a partition are stored.
func DataKey(p Partition, uploadID string) string {
	return "curated/" + p.path() + "/" + uploadID + ".parquet"
}

// PointerKey is where a partition's pointer to its current upload is.
func PointerKey(p Partition) string { return "current/" + p.path() + "/current.json" }

// UploadKey is where the uploader's files of an upload are.
func UploadKey(org, uploadID, name string) string {
	return "uploads/" + org + "/" + uploadID + "/" + name
}

// Pointer is the content of a partition's pointer object.
type Pointer struct {
	Kind          string    `json:"kind"`
	Org           string    `json:"org"`
	Period        string    `json:"period"`
	UploadID      string    `json:"upload_id"`
	Key           string    `json:"key"`
	Rows          int       `json:"rows"`
	SchemaVersion int       `json:"schema_version"`
	File          string    `json:"file"`
	Sheet         string    `json:"sheet"`
	CommittedAt   time.Time `json:"committed_at"`
}

// Current reads a partition's pointer; ok is false when the partition has
// never been committed. etag is what a switch must match.
func (l *Lake) Current(ctx context.Context, p Partition) (ptr Pointer, etag string, ok bool, err error) {
	var obj Object
	obj, err = l.readJSON(ctx, PointerKey(p), &ptr)
	if pipeline.KindOf(err) == pipeline.NotFound {
		return Pointer{}, "", false, nil
	}
	if err != nil {
		return Pointer{}, "", false, fmt.Errorf("read pointer of %s: %w", p, err)
	}
	return ptr, obj.ETag, true, nil
}

// Switch makes ptr current for its partition if the pointer still has the
// ETag etag (or, when etag is "", if there is no pointer yet). It fails with
// a Conflict error when another commit got there first.
func (l *Lake) Switch(ctx context.Context, p Partition, ptr Pointer, etag string) error {
	cond := Condition{IfMatch: etag, IfAbsent: etag == ""}
	if err := l.writeJSON(ctx, PointerKey(p), ptr, cond); err != nil {
		return fmt.Errorf("switch %s to upload %s: %w", p, short(ptr.UploadID), err)
	}
	return nil
}

// Partitions lists the partitions of a kind that have a current upload,
// for one organisation or (org "") for all, from the pointers' keys alone:
// knowing which returns are in the lake needs no read of each pointer (on S3
// a request each).
func (l *Lake) Partitions(ctx context.Context, kind, org string) ([]Partition, error) {
	prefix := "current/" + kind + "/"
	if org != "" {
		prefix += "org=" + org + "/"
	}
	objs, err := l.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	var out []Partition
	for _, o := range objs {
		parts := strings.Split(strings.TrimPrefix(o.Key, "current/"+kind+"/"), "/")
		if len(parts) != 3 || parts[2] != "current.json" || !strings.HasPrefix(parts[0], "org=") || !strings.HasPrefix(parts[1], "period=") {
			continue
		}
		period, err := pipeline.ParsePeriod(strings.TrimPrefix(parts[1], "period="))
		if err != nil {
			continue
		}
		out = append(out, Partition{Kind: kind, Org: strings.TrimPrefix(parts[0], "org="), Period: period})
	}
	return out, nil
}

// Pointers lists the current pointers of a kind, for one organisation or
// (org "") for all.
func (l *Lake) Pointers(ctx context.Context, kind, org string) ([]Pointer, error) {
	prefix := "current/" + kind + "/"
	if org != "" {
		prefix += "org=" + org + "/"
	}
	objs, err := l.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	var keys []string
	for _, o := range objs {
		if strings.HasSuffix(o.Key, "/current.json") {
			keys = append(keys, o.Key)
		}
	}
	ptrs := make([]Pointer, len(keys))
	found := make([]bool, len(keys))
	err = l.readEach(ctx, keys, func(i int) error {
		_, err := l.readJSON(ctx, keys[i], &ptrs[i])
		if pipeline.KindOf(err) == pipeline.NotFound {
			return nil // switched away and removed while listing
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", keys[i], err)
		}
		found[i] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := ptrs[:0]
	for i, p := range ptrs {
		if found[i] {
			out = append(out, p)
		}
	}
	return out, nil
}

// readers is how many objects the lake reads at once when it reads many
// small ones (pointers, the ingest log): on S3 each is a request, and one
// at a time would make a report of 10,000 partitions wait on 10,000 round
// trips in a row.
const readers = 16

// readEach calls read for each index of keys, readers at a time, and
// returns the first error; the rest are not started once one fails.
func (l *Lake) readEach(ctx context.Context, keys []string, read func(i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(readers)
	for i := range keys {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return read(i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return context.Cause(ctx)
}

// LedgerEntry is one row of the ingest log: what happened to one table of
// one upload.
type LedgerEntry struct {
	Org                string         `json:"org"`
	Period             string         `json:"period"`
	Kind               string         `json:"kind"`
	File               string         `json:"file"`
	Sheet              string         `json:"sheet"`
	UploadID           string         `json:"upload_id"`
	SchemaVersion      int            `json:"schema_version"`
	RowsRead           int            `json:"rows_read"`
	RowsAccepted       int            `json:"rows_accepted"`
	RowsRejected       int            `json:"rows_rejected"`
	ErrorsByCode       map[string]int `json:"errors_by_code,omitempty"`
	ReceivedAt         time.Time      `json:"received_at"`
	CommittedAt        time.Time      `json:"committed_at"`
	Status             EntryStatus    `json:"status"` // current, or rejected when nothing of the table was stored
	SupersededUploadID string         `json:"superseded_upload_id,omitempty"`
	// Values counts the coded values of the rows stored, for the data
	// quality report (metrics.md section 11). It is counted while the rows
	// are written, because reading every row back at report time would
	// cost as much as the report itself. Nil when nothing was stored, and
	// in entries written before it was kept: those are "not recorded",
	// never zero.
	Values *ValueCounts `json:"values,omitempty"`
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
	StatusCurrent  EntryStatus = "current"  // the table's accepted rows were stored and made current
	StatusRejected EntryStatus = "rejected" // nothing of the table was stored
)

// Record appends an entry to the ingest log. Each entry is its own object,
// written only if absent, so that the log is append-only on any store.
func (l *Lake) Record(ctx context.Context, e LedgerEntry) error {
	key := fmt.Sprintf("ledger/ingest_log/org=%s/period=%s/%s-%s-%s.json",
		e.Org, e.Period, e.CommittedAt.UTC().Format("20060102T150405.000000000Z"), e.UploadID, e.Kind)
	if err := l.writeJSON(ctx, key, e, Condition{IfAbsent: true}); err != nil {
		return fmt.Errorf("record ingest of %s %s %s: %w", e.Org, e.Period, e.Kind, err)
	}
	return nil
}

// Latest returns the newest ingest log entry of a partition; ok is false
// when the partition has none. A retried ingest uses it to record each
// event once: the log is append-only and the retry cannot know whether the
// failed attempt got as far as recording.
func (l *Lake) Latest(ctx context.Context, p Partition) (e LedgerEntry, ok bool, err error) {
	prefix := fmt.Sprintf("ledger/ingest_log/org=%s/period=%s/", p.Org, p.Period)
	objs, err := l.Store.List(ctx, prefix)
	if err != nil {
		return e, false, fmt.Errorf("list the ingest log of %s: %w", p, err)
	}
	for i := len(objs) - 1; i >= 0; i-- {
		if strings.HasSuffix(objs[i].Key, "-"+p.Kind+".json") {
			if _, err := l.readJSON(ctx, objs[i].Key, &e); err != nil {
				return e, false, fmt.Errorf("read the ingest log of %s: %w", p, err)
			}
			return e, true, nil
		}
	}
	return e, false, nil
}

// Ledger reads the ingest log of an organisation (or, org "", of all), in
// key order: by organisation, quarter and time.
func (l *Lake) Ledger(ctx context.Context, org string) ([]LedgerEntry, error) {
	prefix := "ledger/ingest_log/"
	if org != "" {
		prefix += "org=" + org + "/"
	}
	objs, err := l.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list the ingest log: %w", err)
	}
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
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
	objs, err := l.Store.List(ctx, "ledger/ingest_log/")
	if err != nil {
		return nil, fmt.Errorf("list the ingest log: %w", err)
	}
	var keys []string
	for _, o := range objs {
		if strings.Contains(o.Key, "/period="+period+"/") {
			keys = append(keys, o.Key)
		}
	}
	return l.readLedger(ctx, keys)
}

// PutUploadFile stores one of the uploader's files (report, page, status).
func (l *Lake) PutUploadFile(ctx context.Context, org, uploadID, name string, body []byte) error {
	key := UploadKey(org, uploadID, name)
	if _, err := l.Store.Put(ctx, key, bytes.NewReader(body), int64(len(body)), Condition{}); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// UploadStatus is what the uploader's status.json says of an upload.
type UploadStatus struct {
	Org      string      `json:"org"`
	Period   string      `json:"period"`
	UploadID string      `json:"upload_id"`
	File     string      `json:"file"`
	Status   UploadState `json:"status"`
	Kinds    []string    `json:"kinds"` // the kinds made current by this upload
	Received time.Time   `json:"received_at"`
	Done     time.Time   `json:"done_at"`
}

// UploadState is what became of an upload (a file).
type UploadState string

// Upload statuses.
const (
	UploadDone      UploadState = "done"     // every table read; accepted rows are current
	UploadRejected  UploadState = "rejected" // nothing of the file was stored
	UploadDuplicate UploadState = "already ingested"
)

// Status reads an upload's status; ok is false when there is none.
func (l *Lake) Status(ctx context.Context, org, uploadID string) (UploadStatus, bool, error) {
	var s UploadStatus
	_, err := l.readJSON(ctx, UploadKey(org, uploadID, "status.json"), &s)
	if err == nil {
		return s, true, nil
	}
	if pipeline.KindOf(err) == pipeline.NotFound {
		return UploadStatus{}, false, nil
	}
	return UploadStatus{}, false, fmt.Errorf("read status of upload %s: %w", short(uploadID), err)
}

func (l *Lake) readJSON(ctx context.Context, key string, v any) (Object, error) {
	rc, obj, err := l.Store.Get(ctx, key)
	if err != nil {
		return Object{}, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return Object{}, pipeline.Errorf(pipeline.Transient, "read %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return Object{}, pipeline.Errorf(pipeline.Internal, "decode %s: %w", key, err)
	}
	return obj, nil
}

func (l *Lake) writeJSON(ctx context.Context, key string, v any, cond Condition) error {
	b, err := json.Marshal(v)
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "encode %s: %w", key, err)
	}
	b = append(b, '\n')
	_, err = l.Store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), cond)
	return err
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
