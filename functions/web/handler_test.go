package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

func TestHandler_FromSite(t *testing.T) {
	const old, rotated = "old-origin-secret-0123456789abcdefghij", "new-origin-secret-0123456789abcdefghij"
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		secret  string // what the secret holds now
		readErr error
		after   time.Duration // since the last read
		header  string
		want    bool
		reads   int
	}{
		{"the value read at start", old, nil, 0, old, true, 0},
		{"a wrong value, read a moment ago", old, nil, time.Second, "wrong", false, 0},
		{"a wrong value, read a minute ago", old, nil, time.Minute, "wrong", false, 1},
		{"rotated, read a moment ago: refused until a minute has passed", rotated, nil, time.Second, rotated, false, 0},
		{"rotated, read a minute ago", rotated, nil, time.Minute, rotated, true, 1},
		{"the secret cannot be read", rotated, errors.New("extension down"), time.Minute, rotated, false, 1},
		{"no header", old, nil, time.Hour, "", false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := start
			reads := 0
			h := &handler{log: slog.New(slog.NewTextHandler(io.Discard, nil)), origin: old, readAt: start,
				now: func() time.Time { return now },
				readOrigin: func(context.Context) (string, error) {
					reads++
					return tc.secret, tc.readErr
				}}
			now = now.Add(tc.after)
			if got := h.fromSite(context.Background(), tc.header); got != tc.want || reads != tc.reads {
				t.Errorf("fromSite = %v after %d reads, want %v after %d", got, reads, tc.want, tc.reads)
			}
		})
	}
}
