package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/storage/s3store/s3server"
)

const (
	cliCarersV1 = "client_ref,registration_date,employment_status,consent_followup\nLCC-A1,2026-07-01,UNEMPLOYED,Y\nLCC-A2,2026-07-02,U,N\nLCC-A3,2026-07-03,RETIRED,Y\n"
	cliCarersV2 = "client_ref,registration_date,employment_status,consent_followup\nLCC-A1,2026-07-01,UNEMPLOYED,Y\nLCC-A2,2026-07-02,EMPLOYED_PT,N\n"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRun_IngestStaleRetry: v1 received on Monday, v2 on Tuesday, then v1
// sent again with its Monday receipt (a retried delivery): v2 stays
// current, and v1 is reported as superseded on arrival.
func TestRun_IngestStaleRetry(t *testing.T) {
	key, dir := writeKey(t), t.TempDir()
	v1, v2 := writeFile(t, "carers.csv", cliCarersV1), writeFile(t, "carers-corrected.csv", cliCarersV2)
	ingest := func(file, received string) (int, string) {
		code, stdout, stderr := runCLI(t, "ingest", "--lake", dir, "--key-file", key, "--org", "LEEDS-CC", "--period", "2026-Q3", "--received", received, file)
		return code, stdout + stderr
	}
	ingest(v1, "2026-10-05")
	ingest(v2, "2026-10-06")
	code, out := ingest(v1, "2026-10-05")
	if code != exitOK || !strings.Contains(out, "already ingested") || !strings.Contains(out, "replaced since by upload") {
		t.Errorf("v1 again: exit %d\n%s", code, out)
	}
	// A version received on the Sunday before, arriving only now.
	v0 := writeFile(t, "carers-sunday.csv", cliCarersV1+"LCC-A4,2026-07-04,U,Y\n")
	code, out = ingest(v0, "2026-10-04")
	if code != exitOK || !strings.Contains(out, "superseded on arrival") || !strings.Contains(out, "received later, is current") {
		t.Errorf("v0, received before both: exit %d\n%s", code, out)
	}
	ptr, err := os.ReadFile(filepath.Join(dir, "current", "carers", "org=LEEDS-CC", "period=2026-Q3", "current.json"))
	if err != nil || !strings.Contains(string(ptr), `carers-corrected.csv"`) || !strings.Contains(string(ptr), `"version":2`) {
		t.Errorf("pointer %s %v: want v2 current at version 2", ptr, err)
	}
	if code, out, _ := runCLI(t, "lake", "check", "--lake", dir); code != exitOK {
		t.Errorf("lake check: %d\n%s", code, out)
	}
}

func TestRun_Lake(t *testing.T) {
	key, dir := writeKey(t), t.TempDir()
	if code, _, stderr := runCLI(t, "ingest", "--lake", dir, "--key-file", key, "--org", "LEEDS-CC", "--period", "2026-Q3", writeFile(t, "carers.csv", cliCarersV1)); code != exitOK {
		t.Fatalf("ingest: %d %s", code, stderr)
	}
	if code, out, _ := runCLI(t, "lake", "check", "--lake", dir); code != exitOK || !strings.Contains(out, "OK") {
		t.Fatalf("lake check of a clean lake: %d\n%s", code, out)
	}
	// Orphans (copies of the current file, as a superseded version left
	// behind would be): two older than a day, one written a minute ago.
	part := filepath.Join(dir, "curated", "carers", "org=LEEDS-CC", "period=2026-Q3")
	files, _ := os.ReadDir(part)
	if len(files) != 1 {
		t.Fatalf("%d curated files", len(files))
	}
	parquet, err := os.ReadFile(filepath.Join(part, files[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	var old []string
	for i, age := range []time.Duration{48 * time.Hour, 25 * time.Hour, time.Minute} {
		path := filepath.Join(part, strings.Repeat(string(rune('a'+i)), 64)+"-orphan.parquet")
		if err := os.WriteFile(path, parquet, 0o644); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-age)
		if err := os.Chtimes(path, when, when); err != nil {
			t.Fatal(err)
		}
		if age > 24*time.Hour {
			old = append(old, path)
		}
	}
	code, out, _ := runCLI(t, "lake", "check", "--lake", dir)
	if code != exitRejected || strings.Count(out, "an orphan") != 2 || !strings.Contains(out, "2 problem(s)") {
		t.Errorf("lake check with orphans: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "lake", "gc", "--lake", dir); code != exitOK || strings.Count(out, "would remove") != 2 || !strings.Contains(out, "--apply") {
		t.Errorf("lake gc (dry run): exit %d\n%s", code, out)
	}
	for _, p := range old {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the dry run removed %s", p)
		}
	}
	if code, out, _ := runCLI(t, "lake", "gc", "--lake", dir, "--apply"); code != exitOK || strings.Count(out, "removed ") != 2 {
		t.Errorf("lake gc --apply: exit %d\n%s", code, out)
	}
	for _, p := range old {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there", p)
		}
	}
	entries, _ := os.ReadDir(part)
	if len(entries) != 2 {
		t.Errorf("left %d files, want the current one and the young orphan", len(entries))
	}
	if code, out, _ := runCLI(t, "lake", "check", "--lake", dir); code != exitOK {
		t.Errorf("lake check after gc: %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "lake", "gc", "--lake", dir, "--grace", "1m", "--apply"); code != exitOK {
		t.Errorf("gc with a short grace: %d", code)
	}
	if entries, _ := os.ReadDir(part); len(entries) != 1 {
		t.Errorf("with a grace of a minute the young orphan stays: %d files", len(entries))
	}
	if code, _, stderr := runCLI(t, "lake", "fix"); code != exitFailure || !strings.Contains(stderr, "usage") {
		t.Errorf("unknown subcommand: %d %s", code, stderr)
	}
}

// TestRun_LakeS3 runs lake check on an S3 lake on versitygw: the same code
// the maintenance function runs.
func TestRun_LakeS3(t *testing.T) {
	srv := s3server.Start(t)
	srv.CreateBucket(t, "lake")
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey, "AWS_REGION": srv.Region,
		"S3_ENDPOINT": srv.Endpoint, "S3_PATH_STYLE": "true"} {
		t.Setenv(k, v)
	}
	// A lake made on a folder, copied to the bucket.
	key, dir := writeKey(t), t.TempDir()
	if code, _, stderr := runCLI(t, "ingest", "--lake", dir, "--key-file", key, "--org", "LEEDS-CC", "--period", "2026-Q3", writeFile(t, "carers.csv", cliCarersV1)); code != exitOK {
		t.Fatalf("ingest: %d %s", code, stderr)
	}
	c := srv.Client(t)
	var parquet string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		key := "consortium/" + filepath.ToSlash(rel)
		if strings.HasSuffix(key, ".parquet") {
			parquet = key
		}
		_, err = c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("lake"), Key: aws.String(key), Body: bytes.NewReader(b)})
		return err
	})
	if code, out, stderr := runCLI(t, "lake", "check", "--lake", "s3://lake/consortium"); code != exitOK || !strings.Contains(out, "1 pointers, 1 curated files, 1 ingest log entries") {
		t.Errorf("lake check of the S3 lake: %d\n%s%s", code, out, stderr)
	}
	if _, err := c.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String("lake"), Key: aws.String(parquet)}); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCLI(t, "lake", "check", "--lake", "s3://lake/consortium"); code != exitRejected || !strings.Contains(out, "which does not exist") {
		t.Errorf("lake check of the S3 lake without its file: %d\n%s", code, out)
	}
	if code, _, stderr := runCLI(t, "lake", "check", "--lake", "s3://"); code != exitFailure || !strings.Contains(stderr, "s3://BUCKET") {
		t.Errorf("no bucket: %d %s", code, stderr)
	}
}
