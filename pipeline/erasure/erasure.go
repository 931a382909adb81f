// Package erasure removes one carer from the lake when they ask to be
// forgotten (UK GDPR Art. 17; the procedure is docs/erasure.md).
//
// Given an organisation and the carer's client reference, it computes the
// carer's pseudonym and then:
//
//  1. writes the carer's erasure record (lake.ErasureKey) in
//     progress: from then on the ingest refuses the carer's rows with the
//     warning erased_carer. The id is a keyed hash of the pseudonym
//     (pseudonym.Key.ErasureID), so the record does not re-identify;
//  2. rewrites every curated file of the organisation that holds a row of
//     the carer, current or superseded: a current file through the lake's
//     commit protocol (lake.Rewrite: a new, logged version of its partition
//     under a key of its own, the old file purged, every version of it on a
//     versioned store); a file the pointer says it superseded is purged;
//     any other file no pointer names is rewritten in place;
//  3. removes the carer's survey responses (docs/surveys.md): their rows
//     from the organisation's survey files (each rewritten under a new key
//     and the partition's manifest switched to it) and the records of
//     their held and rejected responses;
//  4. removes the carer's rows from the stored reports of the uploads that
//     held them (the issues at those rows, and the row counts), and renders
//     the uploader's page again;
//  5. purges the raw copies of those uploads from the landing store and
//     the raw store, when there are any (AWS): the raw files are not kept
//     redacted, and the other rows of those uploads remain only in the
//     curated files;
//  6. completes the record: when, who asked, why, and every object
//     rewritten or removed.
//
// Every step can be repeated: a run stopped part way is finished by running
// it again, and a run over a lake that no longer holds the carer changes
// nothing but the record. Figures are computed from the lake whenever a
// report is made, so the next report is the report of a lake that never held
// the carer.
package erasure

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// Config is what an erasure needs.
type Config struct {
	Standard *standard.Standard
	Lake     *lake.Lake
	Key      pseudonym.Key
	// Landing is the store the raw uploads land in (landing/…), whose
	// copies of the carer's uploads are purged; nil when there is none (a
	// local lake is ingested from the organisations' own files).
	Landing lake.Store
	// Raw is the store that keeps a copy of every raw upload under its
	// landing key (in AWS the raw bucket, which landing replicates to),
	// purged the same way; nil when there is none.
	Raw lake.Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// Request is one carer's request to be forgotten.
type Request struct {
	Org       string
	ClientRef string
	// RequestedBy names who asked for the erasure (the carer, through the
	// organisation; the lead who ran it).
	RequestedBy string
	Reason      string
}

// Record statuses.
const (
	StatusInProgress = "in_progress"
	StatusDone       = "done"
)

// Object actions in a record.
const (
	ActionRewritten = "rewritten"     // a curated file, without the carer's rows, under a new key
	ActionRemoved   = "removed"       // a curated file replaced by its rewrite, or a raw upload, every version
	ActionRedacted  = "redacted"      // a superseded curated file rewritten in place
	ActionReport    = "report_edited" // an uploader's stored report and page
)

// Record is the erasure register's entry for one carer. It holds no
// pseudonym and no client reference.
type Record struct {
	ID          string     `json:"id"` // pseudonym.Key.ErasureID of the carer
	Org         string     `json:"org"`
	RequestedBy string     `json:"requested_by"`
	Reason      string     `json:"reason"`
	StartedAt   time.Time  `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Status      string     `json:"status"`
	Runs        int        `json:"runs"`
	// Files are the curated files that held the carer's rows. While the
	// erasure is in progress each lists the source rows, so that a rerun
	// can still edit the uploads' reports once the files no longer hold
	// them; they are dropped when it is done.
	Files   []File   `json:"files"`
	Objects []Object `json:"objects"`
}

// File is a curated file that held the carer's rows.
type File struct {
	Key          string `json:"key"`
	Kind         string `json:"kind"`
	Period       string `json:"period"`
	UploadID     string `json:"upload_id"`
	Sheet        string `json:"sheet,omitempty"`
	Rows         int    `json:"rows"`
	SourceRows   []int  `json:"source_rows,omitempty"`
	ReportEdited bool   `json:"report_edited"`
}

// Object is one object the erasure rewrote or removed.
type Object struct {
	Key    string    `json:"key"`
	Action string    `json:"action"`
	At     time.Time `json:"at"`
}

// maxScans bounds how often Erase scans the organisation's files again: a
// scan that finds the carer is followed by another, in case an ingest that
// started before the record was written committed the carer meanwhile.
const maxScans = 5

// Erase removes one carer from the lake (see the package doc) and returns
// the completed record.
func Erase(ctx context.Context, cfg Config, req Request) (*Record, error) {
	if err := cfg.Standard.ValidOrg(req.Org); err != nil {
		return nil, err
	}
	ref := strings.TrimSpace(req.ClientRef)
	if ref == "" {
		return nil, pipeline.Errorf(pipeline.Invalid, "erase: no client reference")
	}
	if strings.TrimSpace(req.Reason) == "" || strings.TrimSpace(req.RequestedBy) == "" {
		return nil, pipeline.Errorf(pipeline.Invalid, "erase: say who asked for the erasure and why")
	}
	h, err := cfg.Key.For(req.Org)
	if err != nil {
		return nil, err
	}
	carer := string(h.CarerID([]byte(ref)))
	id, err := cfg.Key.ErasureID(req.Org, carer)
	if err != nil {
		return nil, err
	}
	e := &eraser{cfg: cfg, org: req.Org, carer: carer}
	rec, ok, err := e.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		rec = &Record{ID: id, Org: req.Org, RequestedBy: req.RequestedBy, Reason: req.Reason, StartedAt: cfg.now(), Files: []File{}, Objects: []Object{}}
	}
	e.rec = rec
	rec.Status, rec.CompletedAt = StatusInProgress, nil
	rec.Runs++
	// The record first: from now on no ingest stores the carer again.
	if err := e.save(ctx); err != nil {
		return nil, err
	}
	for scan := 1; ; scan++ {
		found, err := e.scan(ctx)
		if err != nil {
			return nil, err
		}
		if !found {
			break
		}
		if scan == maxScans {
			return nil, pipeline.Errorf(pipeline.Transient, "erase: the carer's rows came back %d times while erasing (a concurrent ingest?): run the erasure again", scan)
		}
	}
	if err := e.surveys(ctx); err != nil {
		return nil, err
	}
	if err := e.reports(ctx); err != nil {
		return nil, err
	}
	if err := e.raw(ctx); err != nil {
		return nil, err
	}
	done := cfg.now()
	rec.Status, rec.CompletedAt = StatusDone, &done
	for i := range rec.Files {
		rec.Files[i].SourceRows = nil
	}
	if err := e.save(ctx); err != nil {
		return nil, err
	}
	return rec, nil
}

// eraser is one run of an erasure.
type eraser struct {
	cfg   Config
	org   string
	carer string // the pseudonym; never written anywhere
	rec   *Record
}

func (e *eraser) load(ctx context.Context, id string) (*Record, bool, error) {
	rc, _, err := e.cfg.Lake.Store.Get(ctx, lake.ErasureKey(e.org, id))
	if pipeline.KindOf(err) == pipeline.NotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read the erasure record: %w", err)
	}
	defer rc.Close()
	var rec Record
	if err := json.NewDecoder(rc).Decode(&rec); err != nil {
		return nil, false, pipeline.Errorf(pipeline.Internal, "read the erasure record %s: %w", id, err)
	}
	return &rec, true, nil
}

func (e *eraser) save(ctx context.Context) error {
	b, err := json.MarshalIndent(e.rec, "", "  ")
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "encode the erasure record: %w", err)
	}
	b = append(b, '\n')
	key := lake.ErasureKey(e.org, e.rec.ID)
	if _, err := e.cfg.Lake.Store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), lake.Condition{}); err != nil {
		return fmt.Errorf("write the erasure record: %w", err)
	}
	return nil
}

func (e *eraser) done(ctx context.Context, key, action string) error {
	e.rec.Objects = append(e.rec.Objects, Object{Key: key, Action: action, At: e.cfg.now()})
	return e.save(ctx)
}

// scan reads every curated file of the organisation and rewrites those
// that hold the carer; it reports whether any did.
func (e *eraser) scan(ctx context.Context) (bool, error) {
	found := false
	for _, k := range e.cfg.Standard.Kinds {
		if k.Field("client_ref") == nil {
			continue // a table of the organisation, not of carers (finance)
		}
		files, err := e.cfg.Lake.DataFiles(ctx, k.Name, e.org)
		if err != nil {
			return false, err
		}
		for _, f := range files {
			held, err := e.file(ctx, f)
			if err != nil {
				return false, err
			}
			found = found || held
		}
	}
	return found, nil
}

// file rewrites one curated file if it holds the carer.
func (e *eraser) file(ctx context.Context, df lake.DataFile) (bool, error) {
	data, err := e.cfg.Lake.ReadData(ctx, df)
	if pipeline.KindOf(err) == pipeline.NotFound {
		return false, nil // removed since the listing (a commit's superseded file)
	}
	if err != nil {
		return false, err
	}
	var out bytes.Buffer
	red, err := curated.Redact(bytes.NewReader(data), int64(len(data)), e.carer, &out)
	if err != nil {
		return false, fmt.Errorf("erase from %s: %w", df.Key, err)
	}
	if len(red.Rows) == 0 {
		return false, nil
	}
	cur, _, ok, err := e.cfg.Lake.Current(ctx, df.Partition)
	if err != nil {
		return false, err
	}
	f := File{Key: df.Key, Kind: df.Kind, Period: df.Period.String(), UploadID: df.UploadID, Rows: len(red.Rows), SourceRows: red.Rows}
	if ok && cur.UploadID == df.UploadID {
		f.Sheet = cur.Sheet
	}
	e.addFile(f)
	// Saved before the file changes: once it no longer holds the rows, only
	// the record knows which rows of the upload's report were the carer's.
	if err := e.save(ctx); err != nil {
		return false, err
	}
	switch {
	case ok && cur.Key == df.Key:
		next, err := e.cfg.Lake.Rewrite(ctx, df.Partition, df.Key, "erased-"+e.rec.ID[:16], out.Bytes(), red.Kept, e.cfg.now())
		if pipeline.KindOf(err) == pipeline.Conflict {
			// An ingest switched the pointer meanwhile: the next scan
			// reads the new version.
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if err := e.done(ctx, next.Key, ActionRewritten); err != nil {
			return false, err
		}
		return true, e.done(ctx, df.Key, ActionRemoved)
	case ok && cur.SupersededKey == df.Key:
		// The commit that superseded the file (this erasure's rewrite, or an
		// ingest's) stopped before removing it: finish it.
		if err := e.cfg.Lake.PurgeData(ctx, df.Key); err != nil {
			return false, err
		}
		return true, e.done(ctx, df.Key, ActionRemoved)
	}
	// A file no pointer names: a superseded version, or the data of a
	// commit not switched yet. It is rewritten where it is.
	if err := e.cfg.Lake.ReplaceData(ctx, df.Key, out.Bytes()); err != nil {
		return false, err
	}
	return true, e.done(ctx, df.Key, ActionRedacted)
}

func (e *eraser) addFile(f File) {
	for i, g := range e.rec.Files {
		if g.Key == f.Key {
			// A rerun finds a file an earlier run did not finish: the rows
			// are the same, and whether the report was edited stands.
			f.ReportEdited = g.ReportEdited
			e.rec.Files[i] = f
			return
		}
	}
	e.rec.Files = append(e.rec.Files, f)
}

func (e *eraser) read(ctx context.Context, key string) ([]byte, error) {
	rc, _, err := e.cfg.Lake.Store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Transient, "read %s: %w", key, err)
	}
	return b, nil
}

// reports removes the carer's rows from the stored reports of the uploads
// that held them.
func (e *eraser) reports(ctx context.Context) error {
	for i := range e.rec.Files {
		f := &e.rec.Files[i]
		if f.ReportEdited {
			continue
		}
		if err := e.report(ctx, f); err != nil {
			return err
		}
		f.ReportEdited = true
		if err := e.done(ctx, lake.UploadKey(e.org, f.UploadID, "report.json"), ActionReport); err != nil {
			return err
		}
	}
	return nil
}

// report edits one upload's stored report: the issues at the carer's rows
// of the table go, and the table's row counts lose them.
func (e *eraser) report(ctx context.Context, f *File) error {
	key := lake.UploadKey(e.org, f.UploadID, "report.json")
	b, err := e.read(ctx, key)
	if pipeline.KindOf(err) == pipeline.NotFound {
		return nil // an upload whose report was never stored (stopped before its last step)
	}
	if err != nil {
		return err
	}
	var rep validate.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return pipeline.Errorf(pipeline.Internal, "read %s: %w", key, err)
	}
	rows := map[int]bool{}
	for _, r := range f.SourceRows {
		rows[r] = true
	}
	drop := func(list []validate.Issue) []validate.Issue {
		return slices.DeleteFunc(list, func(is validate.Issue) bool { return rows[is.Row] })
	}
	for _, fr := range rep.Files {
		for _, t := range fr.Tables {
			if t.Kind != f.Kind || f.Sheet != "" && t.Sheet != f.Sheet {
				continue
			}
			t.Errors, t.Warnings = drop(t.Errors), drop(t.Warnings)
			n := len(f.SourceRows)
			t.Rows, t.Accepted = max(0, t.Rows-n), max(0, t.Accepted-n)
		}
	}
	js, err := json.MarshalIndent(&rep, "", "  ")
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "encode %s: %w", key, err)
	}
	st, _, err := e.cfg.Lake.Status(ctx, e.org, f.UploadID)
	if err != nil {
		return err
	}
	page, err := ingest.Page(e.cfg.Standard, &rep, f.UploadID, st.Received, string(st.Status))
	if err != nil {
		return err
	}
	if err := e.cfg.Lake.PutUploadFile(ctx, e.org, f.UploadID, "report.json", append(js, '\n')); err != nil {
		return err
	}
	return e.cfg.Lake.PutUploadFile(ctx, e.org, f.UploadID, "report.html", page)
}

// raw purges the landing and raw copies of the uploads that held the
// carer, every version, found through the lake's landing records.
func (e *eraser) raw(ctx context.Context) error {
	var stores []lake.Store
	for _, s := range []lake.Store{e.cfg.Landing, e.cfg.Raw} {
		if s != nil {
			stores = append(stores, s)
		}
	}
	if len(stores) == 0 {
		return nil
	}
	uploads := map[string]bool{}
	for _, f := range e.rec.Files {
		uploads[f.UploadID] = true
	}
	prefix := "uploads/" + e.org + "/landed/"
	objs, err := e.cfg.Lake.Store.List(ctx, prefix)
	if err != nil {
		return fmt.Errorf("list %s: %w", prefix, err)
	}
	for _, o := range objs {
		b, err := e.read(ctx, o.Key)
		if err != nil {
			return err
		}
		var r landing.Record
		if err := json.Unmarshal(b, &r); err != nil {
			return pipeline.Errorf(pipeline.Internal, "read %s: %w", o.Key, err)
		}
		if !uploads[r.UploadID] {
			continue
		}
		per, err := pipeline.ParsePeriod(r.Period)
		if err != nil {
			return pipeline.Errorf(pipeline.Internal, "read %s: %w", o.Key, err)
		}
		key := landing.Key(landing.Upload{Org: r.Org, Period: per, ID: r.LandingID, File: r.File})
		if slices.ContainsFunc(e.rec.Objects, func(ob Object) bool { return ob.Key == key }) {
			continue
		}
		for _, s := range stores {
			if err := lake.Purge(ctx, s, key); err != nil {
				return fmt.Errorf("remove the raw upload %s: %w", key, err)
			}
		}
		if err := e.done(ctx, key, ActionRemoved); err != nil {
			return err
		}
	}
	return nil
}
