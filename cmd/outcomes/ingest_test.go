package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// writeKey makes a key file with keygen, as a deployment would.
func writeKey(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys", "consortium.key")
	if code, _, stderr := runCLI(t, "keygen", "--out", path); code != 0 {
		t.Fatalf("keygen: %d %s", code, stderr)
	}
	return path
}

// tree lists every file under dir with its content, to compare two lakes.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, _ := d.Info()
		out = append(out, rel+" "+info.ModTime().String()+" "+string(b[:min(len(b), 64)]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRun_Keygen(t *testing.T) {
	path := writeKey(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	before, _ := os.ReadFile(path)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"never overwrites", []string{"keygen", "--out", path}, exitRetry},
		{"if missing keeps it", []string{"keygen", "--out", path, "--if-missing"}, exitOK},
		{"needs --out", []string{"keygen"}, exitFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, stderr := runCLI(t, tt.args...); code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, stderr)
			}
		})
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the key changed")
	}
}

func TestRun_Ingest(t *testing.T) {
	key := writeKey(t)
	lakeDir := filepath.Join(t.TempDir(), "lake")
	base := []string{"ingest", "--lake", lakeDir, "--key-file", key, "--org", "TEST-ORG", "--period", "2026-Q3"}
	reg := "../../testdata/registry/carers.csv"
	tests := []struct {
		name     string
		args     []string
		env      string
		code     int
		inStdout string
		inStderr string
	}{
		{"clean", append(slices.Clone(base), reg), "", 0, "stored", ""},
		{"same bytes again", append(slices.Clone(base), reg), "", 0, "already ingested", ""},
		{"rejected rows", append(slices.Clone(base), "../../testdata/bad/support_unknown_code.csv"), "", 1, "1 rejected", ""},
		{"unreadable", append(slices.Clone(base), "../../testdata/bad/file_empty.csv"), "", 2, "not read", ""},
		{"damaged workbook", append(slices.Clone(base), "../../testdata/bad/file_damaged_corrupt_deflate.xlsx"), "", 2, "the workbook is damaged", ""},
		{"no table", append(slices.Clone(base), "../../testdata/bad/file_no_table.xlsx"), "", 1, "not read (no_table)", ""},
		{"key from the environment", []string{"ingest", "--lake", lakeDir, "--org", "TEST-ORG", "--period", "2026-Q3", "../../testdata/good/support_day_first_dates.csv"}, key, 0, "stored", ""},
		{"no key", []string{"ingest", "--lake", lakeDir, "--org", "TEST-ORG", "--period", "2026-Q3", reg}, "", 2, "", "no pseudonymisation key"},
		{"bad key file", []string{"ingest", "--lake", lakeDir, "--key-file", reg, "--org", "TEST-ORG", "--period", "2026-Q3", reg}, "", 2, "", "not base64 or hex"},
		{"bad received", append(slices.Clone(base), "--received", "31/12/2026", reg), "", 2, "", "YYYY-MM-DD"},
		{"no lake", []string{"ingest", "--key-file", key, "--org", "TEST-ORG", "--period", "2026-Q3", reg}, "", 2, "", "--lake is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(keyEnv, tt.env)
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.inStdout) || !strings.Contains(stderr, tt.inStderr) {
				t.Errorf("stdout %q, stderr %q; want %q and %q", stdout, stderr, tt.inStdout, tt.inStderr)
			}
		})
	}
	// The key never reaches the lake.
	secret, _ := os.ReadFile(key)
	for _, f := range tree(t, lakeDir) {
		if strings.Contains(f, strings.TrimSpace(string(secret))) {
			t.Errorf("the key is in %s", f)
		}
	}
}

// TestRun_BackfillTwice is `make demo` in small: a generated consortium
// ingested twice leaves the same lake, file for file.
func TestRun_BackfillTwice(t *testing.T) {
	key := writeKey(t)
	sample := filepath.Join(t.TempDir(), "sample")
	gen := synth.DefaultConfig()
	gen.Out, gen.Orgs, gen.Quarters, gen.History = sample, 6, 2, 1
	if _, err := synth.Generate(standardtest.Load(t), gen); err != nil {
		t.Fatal(err)
	}
	lakeDir := filepath.Join(t.TempDir(), "lake")
	args := []string{"backfill", "--lake", lakeDir, "--key-file", key, filepath.Join(sample, "manifest.json")}
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 || !strings.Contains(stdout, "(replaces 1 table(s) sent before)") {
		t.Fatalf("first backfill: exit %d\n%s\n%s", code, stdout, stderr)
	}
	first := tree(t, lakeDir)
	// The sample's hard path: a support table sent with mistakes, then
	// corrected and sent again, which replaces it.
	store, err := fsstore.New(lakeDir)
	if err != nil {
		t.Fatal(err)
	}
	log, err := (&lake.Lake{Store: store}).Ledger(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var chain []lake.LedgerEntry
	for _, e := range log {
		if e.Kind == "support" && e.Status == lake.StatusCurrent && (e.Version == 2 || e.RowsRejected > 0) {
			chain = append(chain, e)
		}
	}
	if len(chain) != 2 || chain[0].Version != 1 || chain[0].RowsRejected == 0 || chain[1].Version != 2 ||
		chain[1].RowsRejected != 0 || chain[1].SupersededUploadID != chain[0].UploadID {
		t.Errorf("support entries with rejections or a replacement: %+v; want the first attempt with rejected rows replaced by its correction", chain)
	}
	if code, out, _ := runCLI(t, "lake", "check", "--lake", lakeDir); code != exitOK {
		t.Errorf("lake check after the backfill: %d\n%s", code, out)
	}
	code, stdout, stderr = runCLI(t, args...)
	if code != 0 || !strings.Contains(stdout, " 0 new,") {
		t.Fatalf("second backfill: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if second := tree(t, lakeDir); !slices.Equal(first, second) {
		t.Errorf("the second backfill changed the lake: %d files before, %d after", len(first), len(second))
	}
	if !strings.Contains(stdout, "report.html") {
		t.Errorf("the summary does not say where the reports are:\n%s", stdout)
	}
}
