package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
	"github.com/carer-outcomes/carer-outcomes/webhook"
)

// The quarterly report's figures are the same whether an organisation's
// follow-ups arrived in its returns or, the same answers, as signed
// webhook deliveries; and they differ when the follow-ups never arrive,
// so the comparison can fail.
func TestRun_SameFiguresEitherWay(t *testing.T) {
	std := standardtest.Load(t)
	keyFile := writeKey(t)
	sample := filepath.Join(t.TempDir(), "sample")
	gen := synth.DefaultConfig()
	gen.Out, gen.Orgs, gen.Quarters, gen.History = sample, 3, 4, 2
	if _, err := synth.Generate(std, gen); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(sample, "manifest.json")
	org := "LEEDS-CC"
	returns, webhooks, missing := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b"), filepath.Join(t.TempDir(), "c")
	for _, run := range []struct {
		lake string
		args []string
	}{{returns, nil}, {webhooks, []string{"--except", org + "/followups"}}, {missing, []string{"--except", org + "/followups"}}} {
		args := append([]string{"backfill", "--lake", run.lake, "--key-file", keyFile}, run.args...)
		if code, _, stderr := runCLI(t, append(args, manifest)...); code != 0 {
			t.Fatalf("backfill: %s", stderr)
		}
	}

	// The webhook of `outcomes serve`, on the second lake.
	c, err := consortium.Load(filepath.Join(sample, synth.ConsortiumFile), std)
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := webhook.LoadFileSecrets(filepath.Join(sample, synth.SecretsFile))
	if err != nil {
		t.Fatal(err)
	}
	key, err := pseudonym.LoadKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	store, err := fsstore.New(webhooks)
	if err != nil {
		t.Fatal(err)
	}
	consumer := &surveys.Consumer{Standard: std, Lake: &lake.Lake{Store: store}}
	var written surveys.Result
	q := webhook.NewLocalQueue(func(ctx context.Context, msgs []surveys.Message) error {
		r, err := consumer.Process(ctx, msgs)
		written.Accepted += r.Accepted
		written.Held += r.Held
		written.Rejected += r.Rejected
		return err
	}, 100, 50*time.Millisecond, t.Logf)
	srv := httptest.NewServer(&webhook.Handler{Forms: c, Secrets: secrets, Queue: q, Key: key})
	defer srv.Close()
	code, stdout, stderr := runCLI(t, "survey", "replay", "--url", srv.URL, "--consortium", filepath.Join(sample, synth.ConsortiumFile),
		"--secrets", filepath.Join(sample, synth.SecretsFile), "--org", org, manifest)
	q.Close()
	if code != 0 {
		t.Fatalf("replay: exit %d: %s %s", code, stdout, stderr)
	}
	if written.Accepted == 0 {
		t.Fatalf("no response written: %+v", written)
	}
	t.Logf("%s; written %+v", strings.TrimSpace(stdout), written)

	var quality string // the data-quality table of the last report made
	figures := func(lakeDir string) []byte {
		out := t.TempDir()
		if code, _, stderr := runCLI(t, "report", "--lake", lakeDir, "--period", "latest", "--out", out); code != 0 {
			t.Fatalf("report: %s", stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, "figures.json"))
		if err != nil {
			t.Fatal(err)
		}
		q, err := os.ReadFile(filepath.Join(out, "data-quality.csv"))
		if err != nil {
			t.Fatal(err)
		}
		quality = string(q)
		return b
	}
	a, b := figures(returns), figures(webhooks)
	// The follow-ups that came through the webhook are counted on their
	// organisation's followups row, which is not a missing return.
	var row string
	for _, l := range strings.Split(quality, "\n") {
		if strings.HasPrefix(l, org+",") && strings.Contains(l, ",followups,") {
			row = l
		}
	}
	if !strings.HasPrefix(row, org+",") || strings.HasSuffix(row, ",0") || strings.HasSuffix(row, ",—") {
		t.Errorf("the data-quality row of %s's follow-ups: %q", org, row)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("the figures differ:\n%s", firstDiff(a, b))
	}
	// The due list of the same organisation, as CSV, naming no carer.
	code, stdout, stderr = runCLI(t, "due", "--lake", webhooks, "--org", org, "--on", "2026-10-01")
	if code != 0 || !strings.HasPrefix(stdout, strings.Join(surveys.DueHeader, ",")+"\n") || strings.Count(stdout, "\n") < 2 || strings.Contains(stdout, "LCC0") {
		t.Errorf("due: exit %d: %.300s %s", code, stdout, stderr)
	}
	if bytes.Equal(a, figures(missing)) {
		t.Fatal("the figures are the same without the follow-ups: the comparison shows nothing")
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return "returns:  " + la[i] + "\nwebhooks: " + lb[i]
		}
	}
	return "one is longer"
}

func TestRun_SurveyCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `{"id":"w13","tool":"tally","mapping":{"version":1,"columns":{"client_ref":{"hidden":"ref"},"wave":{"value":"W13"},"survey_date":{"submitted":true},"employment_status":{"question":"q1"}}}}`
	tests := []struct {
		name, file string
		code       int
		out        string
	}{
		{"a good form", write("good.json", good), 0, "ok against standard version"},
		{"a wave that is no code", write("bad.json", strings.Replace(good, `"W13"`, `"W14"`, 1)), 1, `value "W14" is not one of its codes`},
		{"an unknown field", write("typo.json", strings.Replace(good, `"tool"`, `"tools"`, 1)), 2, "unknown field"},
		{"the test consortium", filepath.Join("..", "..", "testdata", "consortium", "surveys.json"), 0, "6 forms checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "survey", "check", tt.file)
			if code != tt.code || !strings.Contains(stdout+stderr, tt.out) {
				t.Fatalf("exit %d, want %d; output %s%s, want %q", code, tt.code, stdout, stderr, tt.out)
			}
		})
	}
}
