// Package lake is the long-term record the consortium tracks outcomes from:
// where each thing lives in the store, and the commit protocol that makes a
// corrected return replace the earlier one whole, so that no row is ever
// counted twice and none is ever lost, whatever the retries, races and
// crashes on the way.
//
// A table's rows are written once, as Parquet, under a key named by the
// upload's id and the time it was received. Which upload is current for an
// organisation, quarter and kind is said by one small pointer object,
// switched with a conditional write (If-Match, or If-None-Match for the
// first): the switch is atomic on S3 as on a filesystem, so readers see the
// old version or the new, never both or neither. Readers (metrics, Athena
// views) follow the pointers. Commit is the one way in: it orders versions
// by receipt, logs each transition exactly once and removes what it
// supersedes; Check and GC verify and tidy a lake after the fact.
//
// Layout, relative to the lake's root:
//
//	curated/<kind>/org=<ORG>/period=<YYYY-Qn>/<upload-id>-<received>.parquet   the rows
//	current/<kind>/org=<ORG>/period=<YYYY-Qn>/current.json                     the pointer
//	ledger/ingest_log/org=<ORG>/period=<YYYY-Qn>/<kind>-<transition>.json       the ingest log
//	uploads/<ORG>/<upload-id>/report.json, report.html, status.json            for the uploader
//	erasures/org=<ORG>/<erasure-id>.json                                       the erasure register
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

// Top-level folders of the lake that only this package reads and writes.
const (
	curatedPrefix = "curated/"
	currentPrefix = "current/"
	ledgerPrefix  = "ledger/ingest_log/"
)

// receivedLayout writes a receipt time into a key: fixed width, so that
// keys sort by time, and to the nanosecond, so that two receipts never
// share a key.
const receivedLayout = "20060102T150405.000000000Z"

// dataKey is where the rows of an upload received at a given time are
// stored for a partition. The receipt is part of the key so that a version
// superseded once can never be current again under the same key: the same
// bytes sent again later are a new receipt with a key of their own, and
// removing a superseded file can never remove a current one.
func dataKey(p Partition, uploadID string, received time.Time) string {
	return curatedPrefix + p.path() + "/" + uploadID + "-" + received.UTC().Format(receivedLayout) + ".parquet"
}

// The lake's folders, for engines that read them directly (Athena through
// the catalog's tables, DuckDB): each ends in "/", and below it come the
// partitions, org=<ORG>/period=<YYYY-Qn>/ (the pointers' behind a <kind>/
// folder).

// CuratedFolder is the folder of a kind's Parquet files.
func CuratedFolder(kind string) string { return curatedPrefix + kind + "/" }

// PointerFolder is the folder of the pointers.
func PointerFolder() string { return currentPrefix }

// LedgerFolder is the folder of the ingest log.
func LedgerFolder() string { return ledgerPrefix }

// pointerKey is where a partition's pointer to its current upload is.
func pointerKey(p Partition) string { return currentPrefix + p.path() + "/current.json" }

// UploadKey is where the uploader's files of an upload are.
func UploadKey(org, uploadID, name string) string {
	return "uploads/" + org + "/" + uploadID + "/" + name
}

// ErasureKey is where the record of an erased carer of an organisation is
// (pipeline/erasure); id is the keyed hash of the carer's pseudonym
// (pseudonym.Key.ErasureID), never the pseudonym.
func ErasureKey(org, id string) string { return erasurePrefix(org) + id + ".json" }

func erasurePrefix(org string) string { return "erasures/org=" + org + "/" }

// Erased lists the ids of an organisation's erasure records (in progress
// or done), for the ingest to refuse the rows of the carers erased.
func (l *Lake) Erased(ctx context.Context, org string) (map[string]bool, error) {
	objs, err := l.Store.List(ctx, erasurePrefix(org))
	if err != nil {
		return nil, fmt.Errorf("list the erasure records of %s: %w", org, err)
	}
	out := map[string]bool{}
	for _, o := range objs {
		if id, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, erasurePrefix(org)), ".json"); ok {
			out[id] = true
		}
	}
	return out, nil
}

// Pointer is the content of a partition's pointer object. Besides naming
// the current file it holds everything the transition's ingest log entry
// says, so that whoever reads the pointer (a retry, the next commit, GC)
// can complete a commit that stopped after the switch.
type Pointer struct {
	Kind          string `json:"kind"`
	Org           string `json:"org"`
	Period        string `json:"period"`
	UploadID      string `json:"upload_id"`
	Key           string `json:"key"`
	Rows          int    `json:"rows"` // rows in the Parquet file
	SchemaVersion int    `json:"schema_version"`
	File          string `json:"file"`
	Sheet         string `json:"sheet"`
	// ReceivedAt orders versions: an upload received before the current
	// one never replaces it.
	ReceivedAt  time.Time `json:"received_at"`
	CommittedAt time.Time `json:"committed_at"`
	// Version counts the partition's transitions: 1 for the first upload
	// made current, one more for each that replaced another.
	Version            int    `json:"version"`
	SupersededUploadID string `json:"superseded_upload_id,omitempty"`
	SupersededKey      string `json:"superseded_key,omitempty"`
	Stats
}

// Stats is what validation said of a table: the counts the ingest log
// keeps for the data quality report.
type Stats struct {
	RowsRead     int            `json:"rows_read"`
	RowsAccepted int            `json:"rows_accepted"`
	RowsRejected int            `json:"rows_rejected"`
	ErrorsByCode map[string]int `json:"errors_by_code,omitempty"`
	// Values counts the coded values of the rows stored, for the data
	// quality report (metrics.md section 11). It is counted while the rows
	// are written, because reading every row back at report time would
	// cost as much as the report itself. Nil when nothing was stored, and
	// in entries written before it was kept: those are "not recorded",
	// never zero.
	Values *ValueCounts `json:"values,omitempty"`
}

func (p Pointer) partition() (Partition, error) {
	period, err := pipeline.ParsePeriod(p.Period)
	if err != nil {
		return Partition{}, pipeline.Errorf(pipeline.Internal, "pointer of %s %s %s: %w", p.Org, p.Period, p.Kind, err)
	}
	return Partition{Kind: p.Kind, Org: p.Org, Period: period}, nil
}

// Current reads a partition's pointer; ok is false when the partition has
// never been committed. etag is what a switch must match.
func (l *Lake) Current(ctx context.Context, p Partition) (ptr Pointer, etag string, ok bool, err error) {
	var obj Object
	obj, err = l.readJSON(ctx, pointerKey(p), &ptr)
	if pipeline.KindOf(err) == pipeline.NotFound {
		return Pointer{}, "", false, nil
	}
	if err != nil {
		return Pointer{}, "", false, fmt.Errorf("read pointer of %s: %w", p, err)
	}
	return ptr, obj.ETag, true, nil
}

// switchTo makes ptr current for its partition if the pointer still has the
// ETag etag (or, when etag is "", if there is no pointer yet). It fails with
// a Conflict error when another commit got there first.
func (l *Lake) switchTo(ctx context.Context, p Partition, ptr Pointer, etag string) error {
	cond := Condition{IfMatch: etag, IfAbsent: etag == ""}
	if err := l.writeJSON(ctx, pointerKey(p), ptr, cond); err != nil {
		return fmt.Errorf("switch %s to upload %s: %w", p, short(ptr.UploadID), err)
	}
	return nil
}

// Partitions lists the partitions of a kind that have a current upload,
// for one organisation or (org "") for all, from the pointers' keys alone:
// knowing which returns are in the lake needs no read of each pointer (on S3
// a request each).
func (l *Lake) Partitions(ctx context.Context, kind, org string) ([]Partition, error) {
	prefix := currentPrefix + kind + "/"
	if org != "" {
		prefix += "org=" + org + "/"
	}
	objs, err := l.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	var out []Partition
	for _, o := range objs {
		parts := strings.Split(strings.TrimPrefix(o.Key, currentPrefix+kind+"/"), "/")
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
	prefix := currentPrefix + kind + "/"
	if org != "" {
		prefix += "org=" + org + "/"
	}
	all, err := l.listKeys(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, k := range all {
		if strings.HasSuffix(k, "/current.json") {
			keys = append(keys, k)
		}
	}
	// A pointer switched away and removed while listing is left out.
	return readObjects[Pointer](ctx, l, keys)
}

// readObjects reads the JSON objects of keys, readers at a time, in the
// order of keys; one removed since it was listed is left out.
func readObjects[T any](ctx context.Context, l *Lake, keys []string) ([]T, error) {
	out := make([]T, len(keys))
	found := make([]bool, len(keys))
	err := l.readEach(ctx, keys, func(i int) error {
		_, err := l.readJSON(ctx, keys[i], &out[i])
		if pipeline.KindOf(err) == pipeline.NotFound {
			return nil
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
	kept := out[:0]
	for i := range out {
		if found[i] {
			kept = append(kept, out[i])
		}
	}
	return kept, nil
}

// listKeys lists the keys under prefix, in key order.
func (l *Lake) listKeys(ctx context.Context, prefix string) ([]string, error) {
	objs, err := l.Store.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
	}
	return keys, nil
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
	// Late are the kinds of which a return received later was already
	// current when this one arrived: they were not stored.
	Late     []string  `json:"superseded_on_arrival,omitempty"`
	Received time.Time `json:"received_at"`
	Done     time.Time `json:"done_at"`
}

// UploadState is what became of an upload (a file).
type UploadState string

// Upload statuses.
const (
	UploadDone      UploadState = "done"     // every table read; accepted rows are current
	UploadRejected  UploadState = "rejected" // nothing of the file was stored
	UploadDuplicate UploadState = "already ingested"
	// UploadLate: valid, but for every table a return received later is
	// current; nothing of the file was kept.
	UploadLate UploadState = "superseded on arrival"
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
