// Package fsstore keeps the lake in a folder on one machine, so the whole
// pipeline runs on a laptop or a single server with no AWS account. It
// implements lake.Store with the same guarantees the S3 driver gives, and
// passes the same conformance suite (storage/storetest).
//
// # Layout
//
// An object with key "a/b/c.parquet" is the regular file root/a/b/c.parquet.
// The store keeps two hidden folders of its own at the top of root, which
// List never shows and no key may start with:
//
//   - root/.tmp/   new content being written, renamed into place when whole;
//     files left there by a crash are never listed and are removed by New
//     once they are a day old.
//   - root/.locks/ one lock file per key while a write or delete of that key
//     is under way, named by the SHA-256 of the key.
//
// Folders left empty by Delete are removed.
//
// # Writes
//
// Put writes the body to a temporary file, fsyncs it and renames it into
// place, then fsyncs the folder: readers see the old content or the new,
// never a part. Every Put and Delete holds an exclusive flock on the key's
// lock file, so a compare-and-swap (Condition.IfMatch) is atomic against
// every other writer of the key, in this process or another on the same
// machine. Condition.IfAbsent also links the new file into place with
// link(2), which fails if the key exists, so it holds even against a writer
// that does not lock. Locks are advisory: a program that edits files under
// root by other means is not excluded. Network filesystems are not
// supported.
//
// # ETags
//
// An ETag is "<inode>-<size>-<mtime in nanoseconds>", all hexadecimal: it is
// read from one stat, so Stat and List never read content. Every write
// renames a new file into place, but that alone does not make the triple
// unique: ext4 hands a freed inode number to the next new file at once, and
// on older kernels the mtime the kernel sets is only as fine as a clock
// tick. So the store sets each new file's mtime itself, to the nanosecond
// the body was written, and, under the key's lock, to one nanosecond after
// the replaced file's mtime if that is later: successive versions of a key
// have strictly increasing mtimes and never share an ETag. New refuses a
// root whose filesystem does not keep nanosecond timestamps (ext4, XFS,
// Btrfs, tmpfs and APFS do). An ETag may change without the content changing
// (after a crash, for example); it never stays the same when the content
// changes through the store.
//
// # Reading
//
// Get returns an *os.File: a caller may type-assert the io.ReadCloser to
// io.ReaderAt or io.Seeker (Parquet readers want both). The file stays
// readable, with the content of the version opened, even if the object is
// overwritten or deleted meanwhile.
//
// # Errors
//
// Errors carry pipeline kinds:
//
//   - Invalid: a bad key or prefix (empty, absolute, an empty, "." or ".."
//     segment, a trailing slash, a NUL byte, a segment over 255 bytes, a key
//     over 1024 bytes, or a key under .tmp or .locks); a negative size, or a
//     body shorter or longer than size; both conditions at once; a key that
//     is a folder of other objects, or whose path runs through an object
//     ("a/b" when "a" is an object — S3 allows both, a filesystem cannot).
//   - NotFound: no object has the key (a folder is not an object), including
//     Put with IfMatch on a missing key, as S3 answers 404 there.
//   - Conflict: a failed precondition.
//   - Transient: a cancelled or expired context, and system errors that say
//     they are temporary (EINTR, EAGAIN, EMFILE, ENFILE, ETIMEDOUT, EBUSY).
//   - Internal: every other filesystem error (permissions, a full or
//     read-only disk, I/O errors): retrying will not help.
//
// The package needs flock(2), link(2) and inodes: it builds on Linux and
// macOS, not on Windows.
package fsstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
)

const (
	// tmpDir holds content being written (see the package comment).
	tmpDir = lake.ReservedTmp
	// locksDir holds the per-key lock files.
	locksDir = lake.ReservedLocks
	// staleTemp is the age after which New removes a temporary file as a
	// crash leftover. A temporary file's mtime moves while it is written, so
	// only abandoned ones grow this old.
	staleTemp = 24 * time.Hour
	// commitAttempts bounds the retries when a concurrent Delete removes a
	// folder between our creating it and renaming a file into it.
	commitAttempts = 16
)

// Store is a lake.Store on a folder. It holds no state besides the root, so
// any number of Store values, in any number of processes, may share a root.
// It is safe for concurrent use.
type Store struct {
	root string
}

// New opens the store at root, creating the folder if needed. It fails with
// Invalid if root is not a folder or its filesystem does not keep
// nanosecond timestamps.
func New(root string) (*Store, error) {
	if root == "" {
		return nil, pipeline.Errorf(pipeline.Invalid, "open store: empty root")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "open store %s: %w", root, err)
	}
	s := &Store{root: abs}
	for _, dir := range []string{abs, s.hidden(tmpDir), s.hidden(locksDir)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			kind := sysKind(err)
			if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EEXIST) {
				kind = pipeline.Invalid
			}
			return nil, pipeline.Errorf(kind, "open store %s: %w", abs, err)
		}
	}
	if err := s.checkTimestamps(); err != nil {
		return nil, err
	}
	s.sweepTemp()
	return s, nil
}

// hidden returns the path of one of the store's own folders.
func (s *Store) hidden(name string) string { return filepath.Join(s.root, name) }

// path returns the file that holds a (valid) key.
func (s *Store) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(key))
}

// checkTimestamps makes sure the filesystem keeps the nanoseconds that make
// ETags change on every write.
func (s *Store) checkTimestamps() error {
	f, err := s.createTemp()
	if err != nil {
		return pipeline.Errorf(sysKind(err), "open store %s: %w", s.root, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	want := time.Unix(time.Now().Unix(), 123456789)
	if err := os.Chtimes(f.Name(), want, want); err != nil {
		return pipeline.Errorf(sysKind(err), "open store %s: %w", s.root, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return pipeline.Errorf(sysKind(err), "open store %s: %w", s.root, err)
	}
	if !fi.ModTime().Equal(want) {
		return pipeline.Errorf(pipeline.Invalid, "open store %s: the filesystem does not keep nanosecond timestamps (set %v, read %v)", s.root, want, fi.ModTime())
	}
	return nil
}

// sweepTemp removes temporary files a crash left behind. It is best effort:
// a leftover it cannot remove does no harm, as List never shows it.
func (s *Store) sweepTemp() {
	entries, err := os.ReadDir(s.hidden(tmpDir))
	if err != nil {
		return
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || time.Since(fi.ModTime()) < staleTemp {
			continue
		}
		_ = os.Remove(filepath.Join(s.hidden(tmpDir), e.Name()))
	}
}

// createTemp opens a new temporary file, recreating the folder if somebody
// removed it.
func (s *Store) createTemp() (*os.File, error) {
	f, err := os.CreateTemp(s.hidden(tmpDir), "put-*")
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(s.hidden(tmpDir), 0o755); err != nil {
			return nil, err
		}
		f, err = os.CreateTemp(s.hidden(tmpDir), "put-*")
	}
	return f, err
}

// Get opens an object for reading. The io.ReadCloser is an *os.File.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, lake.Object, error) {
	if err := check(ctx, "get", key); err != nil {
		return nil, lake.Object{}, err
	}
	// O_NOFOLLOW: a symbolic link is not an object, as List does not show it.
	f, err := os.OpenFile(s.path(key), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, lake.Object{}, readError("get", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, lake.Object{}, pipeline.Errorf(sysKind(err), "get %q: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, lake.Object{}, pipeline.Errorf(pipeline.NotFound, "get %q: not an object", key)
	}
	return f, object(key, fi), nil
}

// Stat returns an object's attributes without reading its content.
func (s *Store) Stat(ctx context.Context, key string) (lake.Object, error) {
	if err := check(ctx, "stat", key); err != nil {
		return lake.Object{}, err
	}
	fi, err := os.Lstat(s.path(key))
	if err != nil {
		return lake.Object{}, readError("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return lake.Object{}, pipeline.Errorf(pipeline.NotFound, "stat %q: not an object", key)
	}
	return object(key, fi), nil
}

// List returns the objects whose keys start with prefix, in key order. The
// prefix is a plain string prefix, as in S3: "curated/car" matches
// "curated/carers/x" and "curated/cars.json".
func (s *Store) List(ctx context.Context, prefix string) ([]lake.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, pipeline.Errorf(pipeline.Transient, "list %q: %w", prefix, err)
	}
	// Walk the deepest folder that holds every match: the prefix up to its
	// last slash, which must then be a valid key.
	dir := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir = prefix[:i]
		if lake.Reserved(dir) {
			return nil, nil // no key is under the store's own folders
		}
		if err := lake.CheckKey(dir); err != nil {
			return nil, pipeline.Errorf(pipeline.Invalid, "list %q: %w", prefix, err)
		}
	}
	start := filepath.Join(s.root, filepath.FromSlash(dir))
	var out []lake.Object
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err != nil {
			// A folder that does not exist, or vanished under a concurrent
			// Delete, holds no objects.
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				if d != nil && d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			return err
		}
		if p == s.root {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if key == tmpDir || key == locksDir {
				return filepath.SkipDir
			}
			// Skip folders that can hold no match.
			if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted since the folder was read
		}
		if err != nil {
			return err
		}
		out = append(out, object(key, fi))
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, pipeline.Errorf(pipeline.Transient, "list %q: %w", prefix, err)
		}
		return nil, pipeline.Errorf(sysKind(err), "list %q: %w", prefix, err)
	}
	// Folder order is not key order: "a/b/x" comes after "a/b-c".
	slices.SortFunc(out, func(a, b lake.Object) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Put writes an object whole: the body goes to a temporary file, which is
// renamed (or, with IfAbsent, linked) into place under the key's lock. size
// must be the body's exact length: Put reads one byte past it to make sure,
// and writes nothing if the body is shorter or longer. An error from the
// body keeps its own kind.
func (s *Store) Put(ctx context.Context, key string, body io.Reader, size int64, cond lake.Condition) (lake.Object, error) {
	if err := check(ctx, "put", key); err != nil {
		return lake.Object{}, err
	}
	if size < 0 {
		return lake.Object{}, pipeline.Errorf(pipeline.Invalid, "put %q: negative size %d", key, size)
	}
	if cond.IfAbsent && cond.IfMatch != "" {
		return lake.Object{}, pipeline.Errorf(pipeline.Invalid, "put %q: both IfAbsent and IfMatch", key)
	}
	path := s.path(key)
	// Fail early, before reading the body, when the precondition already
	// fails; it is checked again under the lock.
	if cond.IfAbsent || cond.IfMatch != "" {
		cur, exists, err := current(path)
		if err != nil {
			return lake.Object{}, putError(key, err)
		}
		if err := precondition(key, cond, cur, exists); err != nil {
			return lake.Object{}, err
		}
	}

	f, err := s.writeTemp(ctx, key, body, size)
	if err != nil {
		return lake.Object{}, err
	}
	defer f.Close()
	obj, created, err := s.commit(ctx, key, f, cond)
	if err != nil {
		return lake.Object{}, err
	}
	// Make the new name durable. The object is visible already, so a failure
	// here is reported but says nothing about what readers see.
	if err := s.syncDirs(filepath.Dir(path), created); err != nil {
		return lake.Object{}, pipeline.Errorf(sysKind(err), "put %q: sync folder: %w", key, err)
	}
	return obj, nil
}

// writeTemp copies exactly size bytes of body to a new temporary file and
// fsyncs it.
func (s *Store) writeTemp(ctx context.Context, key string, body io.Reader, size int64) (_ *os.File, err error) {
	f, err := s.createTemp()
	if err != nil {
		return nil, pipeline.Errorf(sysKind(err), "put %q: create temporary file: %w", key, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	n, err := io.Copy(f, io.LimitReader(ctxReader{ctx, body}, size))
	if err != nil {
		if ctx.Err() != nil {
			return nil, pipeline.Errorf(pipeline.Transient, "put %q: %w", key, ctx.Err())
		}
		// Keep the body's own kind, if it has one.
		return nil, fmt.Errorf("put %q: copy body: %w", key, err)
	}
	if n < size {
		return nil, pipeline.Errorf(pipeline.Invalid, "put %q: body is %d bytes, shorter than size %d", key, n, size)
	}
	var extra [1]byte
	if m, _ := io.ReadFull(body, extra[:]); m > 0 {
		return nil, pipeline.Errorf(pipeline.Invalid, "put %q: body is longer than size %d", key, size)
	}
	now := time.Now()
	if err := os.Chtimes(f.Name(), now, now); err != nil {
		return nil, pipeline.Errorf(sysKind(err), "put %q: set time: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return nil, pipeline.Errorf(sysKind(err), "put %q: sync: %w", key, err)
	}
	return f, nil
}

// commit moves the temporary file f into place under the key's lock if the
// precondition holds, and otherwise removes it. created reports whether it
// made folders for the key.
func (s *Store) commit(ctx context.Context, key string, f *os.File, cond lake.Condition) (obj lake.Object, created bool, err error) {
	path := s.path(key)
	placed := false
	defer func() {
		// Once renamed, the temporary name is free and may already be
		// another writer's: remove it only if it is still ours.
		if !placed {
			os.Remove(f.Name())
		}
	}()
	unlock, err := s.lock(key)
	if err != nil {
		return lake.Object{}, false, pipeline.Errorf(sysKind(err), "put %q: lock: %w", key, err)
	}
	defer unlock()

	cur, exists, err := current(path)
	if err != nil {
		return lake.Object{}, false, putError(key, err)
	}
	if err := precondition(key, cond, cur, exists); err != nil {
		return lake.Object{}, false, err
	}
	if exists {
		// Keep mtimes strictly increasing, so the ETag changes even if the
		// new file gets the old one's inode number.
		mine, err := f.Stat()
		if err != nil {
			return lake.Object{}, false, pipeline.Errorf(sysKind(err), "put %q: %w", key, err)
		}
		if !mine.ModTime().After(cur.ModTime()) {
			t := cur.ModTime().Add(time.Nanosecond)
			if err := os.Chtimes(f.Name(), t, t); err != nil {
				return lake.Object{}, false, pipeline.Errorf(sysKind(err), "put %q: set time: %w", key, err)
			}
			if err := f.Sync(); err != nil {
				return lake.Object{}, false, pipeline.Errorf(sysKind(err), "put %q: sync: %w", key, err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return lake.Object{}, false, pipeline.Errorf(pipeline.Transient, "put %q: %w", key, err)
	}

	for attempt := 1; ; attempt++ {
		made, err := mkdirs(filepath.Dir(path))
		created = created || made
		if err != nil {
			// A concurrent Delete removed a folder while MkdirAll made its
			// path (it then reports ENOENT, or EEXIST for a folder that came
			// and went): try again.
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrExist) {
				if attempt < commitAttempts {
					continue
				}
				return lake.Object{}, false, pipeline.Errorf(pipeline.Transient, "put %q: folders keep vanishing under concurrent deletes: %w", key, err)
			}
			return lake.Object{}, false, putError(key, err)
		}
		if cond.IfAbsent {
			err = os.Link(f.Name(), path)
		} else {
			err = os.Rename(f.Name(), path)
		}
		if err == nil {
			placed = true
			break
		}
		if errors.Is(err, fs.ErrExist) && cond.IfAbsent {
			if fi, serr := os.Lstat(path); serr == nil && fi.IsDir() {
				return lake.Object{}, false, putError(key, &fs.PathError{Op: "link", Path: path, Err: syscall.EISDIR})
			}
			return lake.Object{}, false, pipeline.Errorf(pipeline.Conflict, "put %q if absent: object exists", key)
		}
		// A concurrent Delete removed the folder we made: make it again.
		if errors.Is(err, fs.ErrNotExist) {
			if attempt < commitAttempts {
				continue
			}
			return lake.Object{}, false, pipeline.Errorf(pipeline.Transient, "put %q: folders keep vanishing under concurrent deletes: %w", key, err)
		}
		return lake.Object{}, false, putError(key, err)
	}
	if cond.IfAbsent {
		// Linked: drop the temporary name. Failing leaves a leftover that
		// List never shows and New sweeps, so it does not fail the Put.
		_ = os.Remove(f.Name())
	}
	fi, err := f.Stat() // the same inode, now under the key
	if err != nil {
		return lake.Object{}, false, pipeline.Errorf(sysKind(err), "put %q: %w", key, err)
	}
	return object(key, fi), created, nil
}

// precondition checks a write's condition against the object now at the key.
func precondition(key string, cond lake.Condition, cur fs.FileInfo, exists bool) error {
	switch {
	case cond.IfAbsent && exists:
		return pipeline.Errorf(pipeline.Conflict, "put %q if absent: object exists", key)
	case cond.IfMatch != "" && !exists:
		return pipeline.Errorf(pipeline.NotFound, "put %q if match: no object", key)
	case cond.IfMatch != "" && etag(cur) != cond.IfMatch:
		return pipeline.Errorf(pipeline.Conflict, "put %q if match: ETag is %s, not %s", key, etag(cur), cond.IfMatch)
	}
	return nil
}

// current returns the object now at path, if any. A folder at path is an
// error: no object can be written there.
func current(path string) (fs.FileInfo, bool, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case fi.IsDir():
		return nil, false, &fs.PathError{Op: "put", Path: path, Err: syscall.EISDIR}
	}
	return fi, fi.Mode().IsRegular(), nil
}

// mkdirs makes a folder and its parents, reporting whether it made any.
func mkdirs(dir string) (bool, error) {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return false, nil
	}
	return true, os.MkdirAll(dir, 0o755)
}

// syncDirs fsyncs the folder that received a new name and, if folders were
// made for it, every folder up to the root.
func (s *Store) syncDirs(dir string, created bool) error {
	for {
		if err := syncDir(dir); err != nil {
			return err
		}
		if !created || dir == s.root || len(dir) <= len(s.root) {
			return nil
		}
		dir = filepath.Dir(dir)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // removed by a later Delete: nothing left to make durable
	}
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err // EINVAL: the filesystem cannot sync folders
	}
	return nil
}

// Delete removes an object and any folders it leaves empty. Deleting a
// missing object, or a folder, does nothing.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := check(ctx, "delete", key); err != nil {
		return err
	}
	path := s.path(key)
	removed, err := s.remove(key, path)
	if err != nil || !removed {
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return pipeline.Errorf(sysKind(err), "delete %q: sync folder: %w", key, err)
	}
	// Remove folders left empty, up to the root. Rmdir fails on a folder
	// that is not empty, and Put makes a folder again if this races with it.
	for dir := filepath.Dir(path); len(dir) > len(s.root); dir = filepath.Dir(dir) {
		if syscall.Rmdir(dir) != nil {
			break
		}
	}
	return nil
}

// remove deletes the file at path under the key's lock.
func (s *Store) remove(key, path string) (bool, error) {
	unlock, err := s.lock(key)
	if err != nil {
		return false, pipeline.Errorf(sysKind(err), "delete %q: lock: %w", key, err)
	}
	defer unlock()
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return false, nil
	}
	if err != nil {
		return false, pipeline.Errorf(sysKind(err), "delete %q: %w", key, err)
	}
	if fi.IsDir() {
		return false, nil // a folder of other objects, not an object
	}
	if err := syscall.Unlink(path); err != nil && !errors.Is(err, syscall.ENOENT) {
		return false, pipeline.Errorf(sysKind(err), "delete %q: %w", key, err)
	}
	return true, nil
}

// object describes the file fi as the object key.
func object(key string, fi fs.FileInfo) lake.Object {
	return lake.Object{Key: key, Size: fi.Size(), ETag: etag(fi), Modified: fi.ModTime()}
}

// etag is "<inode>-<size>-<mtime ns>" in hexadecimal (see the package
// comment for why this changes on every write).
func etag(fi fs.FileInfo) string {
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = uint64(st.Ino)
	}
	return fmt.Sprintf("%x-%x-%x", ino, fi.Size(), fi.ModTime().UnixNano())
}

// check validates a key and the context before an operation.
func check(ctx context.Context, op, key string) error {
	if err := lake.CheckKey(key); err != nil {
		return pipeline.Errorf(pipeline.Invalid, "%s %q: %w", op, key, err)
	}
	if err := ctx.Err(); err != nil {
		return pipeline.Errorf(pipeline.Transient, "%s %q: %w", op, key, err)
	}
	return nil
}

// readError maps an error opening or statting a key's file.
func readError(op, key string, err error) error {
	kind := sysKind(err)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.ELOOP):
		kind = pipeline.NotFound
	case errors.Is(err, syscall.ENAMETOOLONG):
		kind = pipeline.Invalid
	}
	return pipeline.Errorf(kind, "%s %q: %w", op, key, err)
}

// putError maps an error placing a key's file.
func putError(key string, err error) error {
	kind := sysKind(err)
	switch {
	case errors.Is(err, syscall.ENOTDIR):
		return pipeline.Errorf(pipeline.Invalid, "put %q: an object is in the way of a folder on the key's path: %w", key, err)
	case errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.ENOTEMPTY):
		return pipeline.Errorf(pipeline.Invalid, "put %q: the key is a folder of other objects: %w", key, err)
	case errors.Is(err, syscall.ENAMETOOLONG):
		kind = pipeline.Invalid
	}
	return pipeline.Errorf(kind, "put %q: %w", key, err)
}

// sysKind is the kind of an unexpected system error: Transient if the
// system says it is temporary, Internal otherwise.
func sysKind(err error) pipeline.ErrorKind {
	var errno syscall.Errno
	if errors.As(err, &errno) && (errno.Temporary() || errno == syscall.EBUSY) {
		return pipeline.Transient
	}
	return pipeline.Internal
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
