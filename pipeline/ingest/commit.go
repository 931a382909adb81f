package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// maxSwitchTries bounds how often a commit retries after losing a race for
// a partition's pointer: each retry applies this upload after the winner.
const maxSwitchTries = 10

// commitFile makes a validated file's tables current and stores its report.
func commitFile(ctx context.Context, cfg Config, req Request, up *Upload, fr *validate.FileReport, files []*tableFile) error {
	stored := []string{}
	for _, tr := range fr.Tables {
		t := Table{Kind: tr.Kind, Sheet: tr.Sheet, Rows: tr.Rows, Accepted: tr.Accepted, Rejected: tr.Rejected, Status: TableRejected}
		var tf *tableFile
		for _, f := range files {
			if f.kind == tr.Kind && f.sheet == tr.Sheet {
				tf = f
			}
		}
		// A table whose every row was rejected does not replace the earlier
		// version with nothing; a table with no rows at all does.
		if tf != nil && (tr.Accepted > 0 || tr.Rows == 0) {
			if err := commitTable(ctx, cfg, req, up.UploadID, tf, &t); err != nil {
				return fmt.Errorf("commit %s of %s: %w", tr.Kind, fr.File, err)
			}
			stored = append(stored, tr.Kind)
		}
		if tr.Kind != "" {
			e := ledgerEntry(cfg, req, up.UploadID, fr.File, tr, t)
			if tf != nil && e.Status == lake.StatusCurrent {
				e.Values = tf.values.Counts()
			}
			if err := recordOnce(ctx, cfg, req, e); err != nil {
				return err
			}
		}
		up.Tables = append(up.Tables, t)
	}
	up.Status = lake.UploadDone
	if fr.Error != nil || len(stored) == 0 {
		up.Status = lake.UploadRejected
	}
	return storeReport(ctx, cfg, req, up, fr, stored)
}

// commitTable stores a table's Parquet file and switches its partition's
// pointer to it, following the lake's commit protocol.
func commitTable(ctx context.Context, cfg Config, req Request, id string, tf *tableFile, t *Table) error {
	p := lake.Partition{Kind: tf.kind, Org: req.Org, Period: req.Period}
	key := lake.DataKey(p, id)
	t.Key = key
	cur, etag, ok, err := cfg.Lake.Current(ctx, p)
	if err != nil {
		return err
	}
	if ok && cur.UploadID == id {
		t.Status = TableUnchanged
		return ensureData(ctx, cfg.Lake, key, tf.path)
	}
	if err := putFile(ctx, cfg.Lake, key, tf.path); err != nil {
		return err
	}
	ptr := lake.Pointer{Kind: p.Kind, Org: p.Org, Period: p.Period.String(), UploadID: id, Key: key, Rows: tf.rows,
		SchemaVersion: cfg.Standard.Version, File: tf.fileName, Sheet: tf.sheet, CommittedAt: cfg.now()}
	for try := 1; ; try++ {
		err := cfg.Lake.Switch(ctx, p, ptr, etag)
		if err == nil {
			break
		}
		// A pointer removed under an If-Match is NotFound on S3: another
		// commit got there first either way.
		if k := pipeline.KindOf(err); k != pipeline.Conflict && k != pipeline.NotFound || try == maxSwitchTries {
			return err
		}
		// Another commit switched the pointer first: apply this one after it.
		if cur, etag, ok, err = cfg.Lake.Current(ctx, p); err != nil {
			return err
		}
		if ok && cur.UploadID == id {
			t.Status = TableUnchanged
			return nil
		}
	}
	t.Status = TableStored
	if ok {
		t.Superseded = cur.UploadID
		if cur.Key != key {
			if err := cfg.Lake.Store.Delete(ctx, cur.Key); err != nil {
				return fmt.Errorf("remove superseded %s: %w", cur.Key, err)
			}
		}
	}
	// A commit that superseded an earlier copy of these same bytes may have
	// removed the file after it was written here: put it back, but only
	// while this upload is still current, or it would leave an orphan.
	if _, err := cfg.Lake.Store.Stat(ctx, key); pipeline.KindOf(err) != pipeline.NotFound {
		return err
	}
	now, _, _, err := cfg.Lake.Current(ctx, p)
	if err != nil || now.UploadID != id {
		return err
	}
	return putFile(ctx, cfg.Lake, key, tf.path)
}

func ensureData(ctx context.Context, l *lake.Lake, key, path string) error {
	_, err := l.Store.Stat(ctx, key)
	if pipeline.KindOf(err) == pipeline.NotFound {
		return putFile(ctx, l, key, path)
	}
	return err
}

func putFile(ctx context.Context, l *lake.Lake, key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "open %s: %w", path, err)
	}
	if _, err := l.Store.Put(ctx, key, f, st.Size(), lake.Condition{}); err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	return nil
}

func ledgerEntry(cfg Config, req Request, id, file string, tr *validate.TableReport, t Table) lake.LedgerEntry {
	e := lake.LedgerEntry{
		Org: req.Org, Period: req.Period.String(), Kind: tr.Kind, File: file, Sheet: tr.Sheet, UploadID: id,
		SchemaVersion: cfg.Standard.Version, RowsRead: tr.Rows, RowsAccepted: tr.Accepted, RowsRejected: tr.Rejected,
		ReceivedAt: req.Received, CommittedAt: cfg.now(), Status: lake.StatusCurrent, SupersededUploadID: t.Superseded,
	}
	if t.Status == TableRejected {
		e.Status = lake.StatusRejected
	}
	for _, is := range tr.Errors {
		if e.ErrorsByCode == nil {
			e.ErrorsByCode = map[string]int{}
		}
		e.ErrorsByCode[is.Code]++
	}
	return e
}

// recordOnce adds an entry to the ingest log unless the newest entry of the
// partition already tells the same: the same upload with the same outcome,
// recorded by an earlier attempt at this ingest (a retry after a failure)
// or by an earlier ingest of the same bytes.
func recordOnce(ctx context.Context, cfg Config, req Request, e lake.LedgerEntry) error {
	latest, ok, err := cfg.Lake.Latest(ctx, lake.Partition{Kind: e.Kind, Org: req.Org, Period: req.Period})
	if err != nil {
		return err
	}
	if ok && latest.UploadID == e.UploadID && latest.Status == e.Status {
		return nil
	}
	return cfg.Lake.Record(ctx, e)
}

// storeReport writes the uploader's report, page and status; the status
// goes last, as the mark that the upload is done.
func storeReport(ctx context.Context, cfg Config, req Request, up *Upload, fr *validate.FileReport, kinds []string) error {
	rep := &validate.Report{Org: req.Org, Period: req.Period.String(), StandardVersion: cfg.Standard.Version, Files: []*validate.FileReport{fr}}
	rep.WithholdPersonal(cfg.Standard)
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "encode report: %w", err)
	}
	var page bytes.Buffer
	issue := func(code string) standard.IssueCode { c, _ := cfg.Standard.Issue(code); return c }
	err = rep.WriteHTML(&page, validate.PageMeta{UploadID: up.UploadID, Received: req.Received, Status: string(up.Status),
		Explain:    func(code string) string { return issue(code).Meaning },
		TableLevel: func(code string) bool { return issue(code).Level == "table" },
	})
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "render report: %w", err)
	}
	status, err := json.MarshalIndent(lake.UploadStatus{Org: req.Org, Period: req.Period.String(), UploadID: up.UploadID, File: up.File,
		Status: up.Status, Kinds: kinds, Received: req.Received, Done: cfg.now()}, "", "  ")
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "encode status: %w", err)
	}
	for _, f := range []struct {
		name string
		body []byte
	}{{"report.json", append(js, '\n')}, {"report.html", page.Bytes()}, {"status.json", append(status, '\n')}} {
		if err := cfg.Lake.PutUploadFile(ctx, req.Org, up.UploadID, f.name, f.body); err != nil {
			return err
		}
	}
	return nil
}

// alreadyIngested reports an upload whose bytes were ingested for the same
// quarter and are still current, so that ingesting them again changes
// nothing. It returns nil when the upload must be processed.
func alreadyIngested(ctx context.Context, l *lake.Lake, req Request, id string) (*Upload, *validate.FileReport, error) {
	st, ok, err := l.Status(ctx, req.Org, id)
	if err != nil || !ok || st.Status != lake.UploadDone || st.Period != req.Period.String() {
		return nil, nil, err
	}
	up := &Upload{File: st.File, UploadID: id, Status: lake.UploadDuplicate}
	for _, kind := range st.Kinds {
		cur, _, ok, err := l.Current(ctx, lake.Partition{Kind: kind, Org: req.Org, Period: req.Period})
		if err != nil {
			return nil, nil, err
		}
		if !ok || cur.UploadID != id {
			return nil, nil, nil // superseded since: sending it again makes it current again
		}
		up.Tables = append(up.Tables, Table{Kind: kind, Sheet: cur.Sheet, Status: TableUnchanged, Rows: cur.Rows, Accepted: cur.Rows, Key: cur.Key})
	}
	rc, _, err := l.Store.Get(ctx, lake.UploadKey(req.Org, id, "report.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("read the report of upload %s: %w", id, err)
	}
	defer rc.Close()
	var rep validate.Report
	if err := json.NewDecoder(rc).Decode(&rep); err != nil || len(rep.Files) != 1 {
		return nil, nil, pipeline.Errorf(pipeline.Internal, "read the report of upload %s: %v", id, err)
	}
	return up, rep.Files[0], nil
}

// registry answers for the carers an organisation registered in uploads
// already in the lake. The lake knows carers only by pseudonym, so a client
// reference is pseudonymised before it is looked up. Pseudonyms are keyed by
// their first 60 bits: a lookup in a map of many thousand carers runs for
// every row, and a 64-bit key is cheaper than a 26-byte string (two carers
// of one organisation sharing 60 bits is a chance of about 1 in 10^7 even
// for a million carers).
type registry struct {
	hasher *pseudonym.Hasher
	carers map[uint64]pipeline.Days
}

func (r *registry) Registered(ref []byte) (pipeline.Days, bool) {
	d, ok := r.carers[pseudonymKey(r.hasher.CarerID(ref))]
	return d, ok
}

// pseudonymKey reads the first 12 base32 characters of a carer_id.
func pseudonymKey(id []byte) uint64 {
	var k uint64
	for _, c := range id[:12] {
		var v byte
		switch {
		case c >= 'a' && c <= 'z':
			v = c - 'a'
		case c >= '2' && c <= '7':
			v = c - '2' + 26
		}
		k = k<<5 | uint64(v)
	}
	return k
}

func loadRegistry(ctx context.Context, l *lake.Lake, org string, h *pseudonym.Hasher) (*registry, error) {
	r := &registry{hasher: h, carers: map[uint64]pipeline.Days{}}
	ptrs, err := l.Pointers(ctx, "carers", org)
	if err != nil {
		return nil, err
	}
	for _, p := range ptrs {
		if err := scanCarers(ctx, l, p.Key, r.carers); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func scanCarers(ctx context.Context, l *lake.Lake, key string, into map[uint64]pipeline.Days) error {
	rc, obj, err := l.Store.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("read carers %s: %w", key, err)
	}
	defer rc.Close()
	ra, ok := rc.(io.ReaderAt)
	if !ok {
		b, err := io.ReadAll(rc)
		if err != nil {
			return pipeline.Errorf(pipeline.Transient, "read carers %s: %w", key, err)
		}
		ra = bytes.NewReader(b)
	}
	return curated.ScanCarers(ra, obj.Size, func(id string, reg pipeline.Days) error {
		if len(id) != pseudonym.Length {
			return pipeline.Errorf(pipeline.Internal, "read carers %s: carer_id %d characters long", key, len(id))
		}
		k := pseudonymKey([]byte(id))
		if old, ok := into[k]; !ok || reg < old {
			into[k] = reg
		}
		return nil
	})
}
