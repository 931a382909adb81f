package lake

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Version is a new file for a partition that its caller asks to make
// current: an ingested table, or a rewrite of the current one (an erasure).
type Version struct {
	Partition
	UploadID string
	// ReceivedAt is when the upload arrived: the landing event's time, the
	// CLI's --received, a manifest's date. A rewrite of the current file
	// passes the time of the rewrite. Commit orders versions by it.
	ReceivedAt    time.Time
	File, Sheet   string
	SchemaVersion int
	Rows          int // rows in Data
	Stats
	// Data is the Parquet file, Size bytes long. It may be read more than
	// once.
	Data io.ReaderAt
	Size int64
	// CommittedAt is recorded in the pointer and the log; zero means now.
	CommittedAt time.Time
}

// CommitStatus is what a commit did.
type CommitStatus string

// Outcomes of a commit.
const (
	// Committed: the version is now current.
	Committed CommitStatus = "committed"
	// Unchanged: this upload was already current (a repeat delivery, or the
	// same bytes sent again while current); any commit of it that stopped
	// part way has been finished.
	Unchanged CommitStatus = "unchanged"
	// SupersededOnArrival: a version received later is current; this one
	// is logged and not kept.
	SupersededOnArrival CommitStatus = "superseded_on_arrival"
)

// Outcome is what a commit did.
type Outcome struct {
	Status  CommitStatus // Committed, Unchanged or SupersededOnArrival
	Pointer Pointer      // the partition's pointer after the commit
}

// maxSwitchTries bounds how often a commit retries after losing a race for
// a partition's pointer; each retry reads the winner and decides again.
const maxSwitchTries = 20

// Later reports whether a version received at (received, id) comes after
// the current pointer cur: received later, or at the same instant with the
// greater upload id (the tie rule: an arbitrary but fixed order, the same
// for every ingest, so that concurrent commits agree on the winner).
func Later(received time.Time, id string, cur Pointer) bool {
	if c := received.Compare(cur.ReceivedAt); c != 0 {
		return c > 0
	}
	return id > cur.UploadID
}

// Commit makes v current for its partition unless a version received later
// is current already, following the lake's protocol (docs/lake.md):
//
//  1. read the pointer; if it names this upload, finish that commit
//     (log entry, superseded file) and stop;
//  2. if the current version was received later, log this one as
//     superseded on arrival, remove its file if an earlier attempt wrote
//     it, and stop;
//  3. store the file under its own key, and make sure the current
//     pointer's log entry exists (a commit that stopped after its switch);
//  4. switch the pointer with a conditional write; on a conflict, go back
//     to 1 with the winner's pointer;
//  5. write the transition's log entry (only if absent), then remove the
//     superseded file.
//
// Every step may be repeated: a retry after a failure at any point, or
// any number of concurrent commits of the same or of different versions,
// ends in the state of one clean run in receipt order.
func (l *Lake) Commit(ctx context.Context, v Version) (Outcome, error) {
	if v.Kind == "" || v.Org == "" || v.UploadID == "" || v.ReceivedAt.IsZero() || v.Data == nil {
		return Outcome{}, pipeline.Errorf(pipeline.Internal, "commit %s: kind, organisation, upload id, receipt time and data are needed", v.Partition)
	}
	if v.CommittedAt.IsZero() {
		v.CommittedAt = time.Now()
	}
	p := v.Partition
	key := dataKey(p, v.UploadID, v.ReceivedAt)
	cur, etag, ok, err := l.Current(ctx, p)
	if err != nil {
		return Outcome{}, err
	}
	stored := false
	for try := 1; ; try++ {
		switch {
		case ok && cur.UploadID == v.UploadID:
			if stored && cur.Key != key {
				// Another delivery of these bytes, received at another
				// time, won: this copy is nobody's.
				if err := l.removeUnnamed(ctx, v, key); err != nil {
					return Outcome{}, err
				}
			}
			return Outcome{Status: Unchanged, Pointer: cur}, l.finish(ctx, cur)
		case ok && !Later(v.ReceivedAt, v.UploadID, cur):
			// The pointer only ever moves to a later receipt, so this
			// version's key can never be current: removing it is safe
			// whoever wrote it.
			if err := l.deleteData(ctx, key); err != nil {
				return Outcome{}, err
			}
			e := v.entry(StatusSupersededOnArrival)
			return Outcome{Status: SupersededOnArrival, Pointer: cur}, l.record(ctx, e)
		}
		if stored && try > 1 {
			// After a lost race, check the file is still there: a
			// delivery of the same bytes at another receipt time may have
			// removed it as a loser's copy.
			_, err := l.Store.Stat(ctx, key)
			if pipeline.KindOf(err) == pipeline.NotFound {
				stored = false
			} else if err != nil {
				return Outcome{}, fmt.Errorf("check %s: %w", key, err)
			}
		}
		if !stored {
			if err := l.putData(ctx, v, key); err != nil {
				return Outcome{}, err
			}
			stored = true
		}
		next := Pointer{Kind: p.Kind, Org: p.Org, Period: p.Period.String(), UploadID: v.UploadID, Key: key, Rows: v.Rows,
			SchemaVersion: v.SchemaVersion, File: v.File, Sheet: v.Sheet, ReceivedAt: v.ReceivedAt.UTC(),
			CommittedAt: v.CommittedAt.UTC(), Version: 1, Stats: v.Stats}
		if ok {
			// The transition being replaced is logged before it is
			// replaced: once superseded, no retry of it would find it.
			if err := l.recordPointer(ctx, cur); err != nil {
				return Outcome{}, err
			}
			next.Version, next.SupersededUploadID, next.SupersededKey = cur.Version+1, cur.UploadID, cur.Key
		}
		err := l.switchTo(ctx, p, next, etag)
		if err == nil {
			return Outcome{Status: Committed, Pointer: next}, l.finish(ctx, next)
		}
		// A pointer removed under an If-Match is NotFound on S3: another
		// commit got there first either way.
		if k := pipeline.KindOf(err); k != pipeline.Conflict && k != pipeline.NotFound || try == maxSwitchTries {
			return Outcome{}, err
		}
		if cur, etag, ok, err = l.Current(ctx, p); err != nil {
			return Outcome{}, err
		}
	}
}

// finish completes the commit that made ptr current: its log entry is
// written if absent, and the file it superseded removed. Both are safe to
// repeat, and safe whoever does them: a superseded key is never current
// again.
func (l *Lake) finish(ctx context.Context, ptr Pointer) error {
	if err := l.recordPointer(ctx, ptr); err != nil {
		return err
	}
	if ptr.SupersededKey != "" && ptr.SupersededKey != ptr.Key {
		return l.deleteData(ctx, ptr.SupersededKey)
	}
	return nil
}

// recordPointer writes the log entry of the transition a pointer made, if
// absent. A pointer written before versions were kept has no transition
// to name, and is left as it is.
func (l *Lake) recordPointer(ctx context.Context, ptr Pointer) error {
	if ptr.Version == 0 {
		return nil
	}
	return l.record(ctx, ptr.entry())
}

// removeUnnamed removes a data file that lost a race, and puts it back if
// a commit made it current meanwhile: another delivery of the same event
// (the same bytes, the same receipt, so the same key) may have switched to
// it while it was being removed.
func (l *Lake) removeUnnamed(ctx context.Context, v Version, key string) error {
	if err := l.deleteData(ctx, key); err != nil {
		return err
	}
	cur, _, ok, err := l.Current(ctx, v.Partition)
	if err != nil || !ok || cur.Key != key {
		return err
	}
	return l.putData(ctx, v, key)
}

func (l *Lake) putData(ctx context.Context, v Version, key string) error {
	if _, err := l.Store.Put(ctx, key, io.NewSectionReader(v.Data, 0, v.Size), v.Size, Condition{}); err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	return nil
}

func (l *Lake) deleteData(ctx context.Context, key string) error {
	if !strings.HasPrefix(key, curatedPrefix) {
		return pipeline.Errorf(pipeline.Internal, "remove %s: not a curated file", key)
	}
	if err := l.Store.Delete(ctx, key); err != nil {
		return fmt.Errorf("remove %s: %w", key, err)
	}
	return nil
}

// entry is the ingest log entry of a version that changed no pointer.
func (v Version) entry(status EntryStatus) LedgerEntry {
	return LedgerEntry{
		Org: v.Org, Period: v.Period.String(), Kind: v.Kind, File: v.File, Sheet: v.Sheet, UploadID: v.UploadID,
		SchemaVersion: v.SchemaVersion, ReceivedAt: v.ReceivedAt.UTC(), CommittedAt: v.CommittedAt.UTC(),
		Status: status,
	}.withStats(v.Stats)
}

// Open opens the data file a pointer names, for reading its rows: a
// curated file, or a survey partition's file (its manifest's SurveyFile
// key, which the metrics read as they read a pointer).
func (l *Lake) Open(ctx context.Context, ptr Pointer) (io.ReadCloser, Object, error) {
	if !strings.HasPrefix(ptr.Key, curatedPrefix) && !strings.HasPrefix(ptr.Key, surveyResponsesPrefix) {
		return nil, Object{}, pipeline.Errorf(pipeline.Internal, "read %s: not a curated file", ptr.Key)
	}
	rc, obj, err := l.Store.Get(ctx, ptr.Key)
	if err != nil {
		return nil, Object{}, fmt.Errorf("read %s: %w", ptr.Key, err)
	}
	return rc, obj, nil
}
