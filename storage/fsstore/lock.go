package fsstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// lockAttempts bounds how often lock starts again because the lock file it
// locked was removed by its previous holder; each time, some other writer
// made progress.
const lockAttempts = 1000

// lock takes the key's exclusive lock, which excludes every other writer of
// the key that locks it too, in any process: flock(2) locks belong to an
// open file, so two opens in one process exclude each other as two
// processes do. It blocks until the lock is free.
//
// The lock file is removed on unlock, so lock files do not pile up, one per
// key ever written. A writer may therefore lock a file that its holder has
// just removed; it checks, once locked, that the file it holds is still the
// one at the path, and starts again if not.
func (s *Store) lock(key string) (unlock func(), err error) {
	sum := sha256.Sum256([]byte(key))
	path := filepath.Join(s.hidden(locksDir), hex.EncodeToString(sum[:]))
	for range lockAttempts {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if errors.Is(err, fs.ErrNotExist) {
			// Somebody removed the locks folder: make it again.
			if err := os.MkdirAll(s.hidden(locksDir), 0o755); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := flock(f, syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, err
		}
		held, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		if now, err := os.Stat(path); err == nil && os.SameFile(held, now) {
			return func() {
				// Remove before closing, while still holding the lock, so
				// that whoever opens the path next opens a new file. A
				// failure leaves a lock file behind, which is harmless.
				_ = os.Remove(path)
				f.Close() // releases the lock
			}, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("lock %s: gave up after %d attempts: %w", path, lockAttempts, syscall.EAGAIN)
}

// flock applies a flock(2) operation, retrying when a signal interrupts it.
func flock(f *os.File, how int) error {
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = conn.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), how)
			if !errors.Is(ferr, syscall.EINTR) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	if ferr != nil {
		return &fs.PathError{Op: "flock", Path: f.Name(), Err: ferr}
	}
	return nil
}
