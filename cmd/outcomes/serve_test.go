package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The server itself is driven in a browser (web/test); these are the
// command's refusals, each before it listens.
func TestRun_ServeErrors(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	if code, _, errOut := runCLI(t, "keygen", "--out", key); code != 0 {
		t.Fatalf("keygen: %s", errOut)
	}
	example := "../../testdata/consortium/example.json"
	tests := []struct {
		name     string
		args     []string
		inStderr string
	}{
		{"no consortium", []string{"serve", "--lake", dir, "--key-file", key}, "usage: outcomes serve"},
		{"no lake", []string{"serve", "--key-file", key, "--consortium", example}, "--lake is required"},
		{"no key", []string{"serve", "--lake", dir, "--key-file", filepath.Join(dir, "none"), "--consortium", example}, "none"},
		{"bad consortium", []string{"serve", "--lake", dir, "--key-file", key, "--consortium", key}, "consortium"},
		{"bad address", []string{"serve", "--lake", dir, "--key-file", key, "--consortium", example, "--addr", "127.0.0.1:99999"}, "listen on 127.0.0.1:99999"},
		{"no port", []string{"serve", "--lake", dir, "--key-file", key, "--consortium", example, "--addr", "127.0.0.1"}, "HOST:PORT"},
		{"every interface", []string{"serve", "--lake", dir, "--key-file", key, "--consortium", example, "--addr", "0.0.0.0:8080"}, "loopback address"},
		{"another machine's reach", []string{"serve", "--lake", dir, "--key-file", key, "--consortium", example, "--addr", ":8080"}, "loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != exitFailure || !strings.Contains(errOut, tt.inStderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, exitFailure, tt.inStderr)
			}
		})
	}
}
