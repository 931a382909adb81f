package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Store is the object storage the lake lives in: a filesystem folder on one
// machine, an S3 bucket in AWS. It is the small interface the lake needs,
// and every driver passes the same conformance suite (storage/storetest).
//
// Keys are slash-separated paths relative to the lake's root, such as
// "curated/carers/org=LEEDS-CC/period=2026-Q3/<id>.parquet"; they never
// start with a slash or contain "." or ".." segments.
//
// Errors carry a pipeline kind: NotFound for a missing key, Conflict for a
// failed precondition, Transient for a failure worth retrying, Invalid for a
// bad key.
type Store interface {
	// Get opens an object for reading.
	Get(ctx context.Context, key string) (io.ReadCloser, Object, error)
	// Stat returns an object's attributes without its content.
	Stat(ctx context.Context, key string) (Object, error)
	// List returns the objects whose keys start with prefix, in key order.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Put writes an object whole: readers see the old content or the new,
	// never a part. With a Condition it writes only if the precondition holds
	// and otherwise fails with a Conflict error, writing nothing.
	Put(ctx context.Context, key string, body io.Reader, size int64, cond Condition) (Object, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
}

// Object describes a stored object.
type Object struct {
	Key      string
	Size     int64
	ETag     string // changes whenever the content changes
	Modified time.Time
}

// Condition is a write precondition, as S3's If-None-Match and If-Match.
type Condition struct {
	// IfAbsent writes only if no object has the key (If-None-Match: *).
	IfAbsent bool
	// IfMatch writes only if the object exists with this ETag (If-Match).
	IfMatch string
}

// Limits on keys, the same for every driver: S3's limit on a key, and the
// usual limit on a file name.
const (
	MaxKeyBytes     = 1024
	MaxSegmentBytes = 255
)

// The top-level folders a driver may keep for itself (the filesystem
// driver's temporary and lock files); no key may be under them.
const (
	ReservedTmp   = ".tmp"
	ReservedLocks = ".locks"
)

// CheckKey reports why key is not a valid object key, or nil. Every driver
// calls it, so that all of them accept and refuse the same keys.
func CheckKey(key string) error {
	if key == "" {
		return errors.New("empty key")
	}
	if len(key) > MaxKeyBytes {
		return fmt.Errorf("key is %d bytes, longer than %d", len(key), MaxKeyBytes)
	}
	if strings.IndexByte(key, 0) >= 0 {
		return errors.New("key has a NUL byte")
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return errors.New("key has an empty segment (a leading, trailing or double slash)")
		case seg == "." || seg == "..":
			return fmt.Errorf("key has a %q segment", seg)
		case len(seg) > MaxSegmentBytes:
			return fmt.Errorf("key has a segment of %d bytes, longer than %d", len(seg), MaxSegmentBytes)
		}
	}
	if Reserved(key) {
		return fmt.Errorf("%s and %s are reserved for the stores' own files", ReservedTmp, ReservedLocks)
	}
	return nil
}

// Reserved reports whether a key or prefix is under a reserved folder.
func Reserved(key string) bool {
	first, _, _ := strings.Cut(key, "/")
	return first == ReservedTmp || first == ReservedLocks
}

// Purger is a Store that keeps earlier versions of an object (an S3 bucket
// with versioning) and can remove every one of them. Delete on such a store
// only hides an object behind a delete marker.
type Purger interface {
	// Purge removes every version of an object, and its delete markers;
	// purging a missing object is not an error.
	Purge(ctx context.Context, key string) error
}

// Purge removes an object for good: every version of it on a store that
// keeps versions (Purger), the object itself on any other.
func Purge(ctx context.Context, s Store, key string) error {
	if p, ok := s.(Purger); ok {
		return p.Purge(ctx, key)
	}
	return s.Delete(ctx, key)
}
