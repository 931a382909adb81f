package lake

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// DataFile is one curated file of a partition, whether a pointer names it
// or not.
type DataFile struct {
	Partition
	Key      string
	UploadID string
}

// DataFiles lists an organisation's curated files of a kind: the current
// ones, and any other (superseded, an unfinished commit's, an orphan), for
// a rewrite that must reach every copy of a row (an erasure).
func (l *Lake) DataFiles(ctx context.Context, kind, org string) ([]DataFile, error) {
	prefix := curatedPrefix + kind + "/org=" + org + "/"
	keys, err := l.listKeys(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var out []DataFile
	for _, k := range keys {
		rest := strings.Split(strings.TrimPrefix(k, prefix), "/")
		if len(rest) != 2 || !strings.HasPrefix(rest[0], "period=") || !strings.HasSuffix(rest[1], ".parquet") || len(rest[1]) < 64 {
			continue // not a data file's key: lake check reports it
		}
		per, err := pipeline.ParsePeriod(strings.TrimPrefix(rest[0], "period="))
		if err != nil {
			continue
		}
		out = append(out, DataFile{Partition: Partition{Kind: kind, Org: org, Period: per}, Key: k, UploadID: rest[1][:64]})
	}
	return out, nil
}

// ReadData reads a curated file whole.
func (l *Lake) ReadData(ctx context.Context, f DataFile) ([]byte, error) {
	if !strings.HasPrefix(f.Key, curatedPrefix) {
		return nil, pipeline.Errorf(pipeline.Internal, "read %s: not a curated file", f.Key)
	}
	rc, _, err := l.Store.Get(ctx, f.Key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Key, err)
	}
	defer rc.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(rc); err != nil {
		return nil, pipeline.Errorf(pipeline.Transient, "read %s: %w", f.Key, err)
	}
	return b.Bytes(), nil
}

// Rewrite makes a rewritten copy of a partition's current file current:
// the same upload (its id, receipt, file and sheet), with rows rows, such as
// the file without an erased carer's rows. It is a commit like any other:
// the copy is stored under a key of its own (the current key's, marked with
// tag), the transition being replaced is logged, the pointer is switched to
// a new version only if it still names from, the new version is logged
// (rows accepted: rows), and from is purged, every version of it. When the
// pointer no longer names from it fails with a Conflict error, having
// changed nothing current: the caller reads the partition again.
func (l *Lake) Rewrite(ctx context.Context, p Partition, from, tag string, data []byte, rows int, now time.Time) (Pointer, error) {
	cur, etag, ok, err := l.Current(ctx, p)
	if err != nil {
		return Pointer{}, err
	}
	if !ok || cur.Key != from {
		return Pointer{}, pipeline.Errorf(pipeline.Conflict, "rewrite %s: %s is no longer current", p, from)
	}
	key := strings.TrimSuffix(dataKey(p, cur.UploadID, cur.ReceivedAt), ".parquet") + "." + tag + ".parquet"
	if key == from {
		return Pointer{}, pipeline.Errorf(pipeline.Internal, "rewrite %s: the copy's key is the file's own", p)
	}
	if _, err := l.Store.Put(ctx, key, bytes.NewReader(data), int64(len(data)), Condition{}); err != nil {
		return Pointer{}, fmt.Errorf("store %s: %w", key, err)
	}
	if err := l.recordPointer(ctx, cur); err != nil {
		return Pointer{}, err
	}
	next := cur
	next.Key, next.Rows, next.CommittedAt = key, rows, now.UTC()
	next.Version, next.SupersededUploadID, next.SupersededKey = cur.Version+1, cur.UploadID, cur.Key
	next.RowsRead -= cur.Rows - rows
	next.RowsAccepted = rows
	if err := l.switchTo(ctx, p, next, etag); err != nil {
		if k := pipeline.KindOf(err); k == pipeline.Conflict || k == pipeline.NotFound {
			return Pointer{}, pipeline.Errorf(pipeline.Conflict, "rewrite %s: another commit switched the pointer first: %w", p, err)
		}
		return Pointer{}, err
	}
	if err := l.recordPointer(ctx, next); err != nil {
		return Pointer{}, err
	}
	return next, l.PurgeData(ctx, from)
}

// ReplaceData rewrites a curated file that no pointer names, where it is:
// its earlier versions are purged first, then the new content written.
// Nothing reads such a file (a superseded version, or the data of a commit
// not yet switched, which then switches to the new content).
func (l *Lake) ReplaceData(ctx context.Context, key string, data []byte) error {
	if err := l.PurgeData(ctx, key); err != nil {
		return err
	}
	if _, err := l.Store.Put(ctx, key, bytes.NewReader(data), int64(len(data)), Condition{}); err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	return nil
}

// PurgeData removes a curated file for good: every version of it on a
// store that keeps versions (Purge).
func (l *Lake) PurgeData(ctx context.Context, key string) error {
	if !strings.HasPrefix(key, curatedPrefix) {
		return pipeline.Errorf(pipeline.Internal, "remove %s: not a curated file", key)
	}
	if err := Purge(ctx, l.Store, key); err != nil {
		return fmt.Errorf("remove %s: %w", key, err)
	}
	return nil
}
