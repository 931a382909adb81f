package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
	"github.com/carer-outcomes/carer-outcomes/webhook"
)

// surveyCmd runs the survey subcommands.
func surveyCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: outcomes survey check MAPPING | replay [flags] MANIFEST.json | rejected --lake DIR --org ORG")
		return exitFailure
	}
	switch args[0] {
	case "check":
		return surveyCheckCmd(args[1:], stdout, stderr)
	case "replay":
		return surveyReplayCmd(args[1:], stdout, stderr)
	case "rejected":
		return surveyRejectedCmd(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "outcomes survey: unknown subcommand %q\n", args[0])
	return exitFailure
}

// surveyCheckCmd validates a form's mapping against the standard: a file
// holding one form (as in an organisation's "forms"), or a whole
// consortium file, every form of which is checked.
func surveyCheckCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("survey check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: outcomes survey check MAPPING")
		return exitFailure
	}
	std, err := standard.Latest()
	if err != nil {
		return fail(stderr, "survey check", err)
	}
	path := fs.Arg(0)
	b, err := os.ReadFile(path)
	if err != nil {
		return fail(stderr, "survey check", pipeline.Errorf(pipeline.Invalid, "read %s: %w", path, err))
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return fail(stderr, "survey check", pipeline.Errorf(pipeline.Invalid, "%s: %w", path, err))
	}
	if _, ok := probe["organisations"]; ok {
		c, err := consortium.Parse(b, std)
		if err != nil {
			return fail(stderr, "survey check", fmt.Errorf("%s: %w", path, err))
		}
		n := 0
		for _, o := range c.Organisations {
			for _, f := range o.Forms {
				fmt.Fprintf(stdout, "%s/%s: %s mapping version %d, %d columns: ok\n", o.Code, f.ID, f.Tool, f.Mapping.Version, len(f.Mapping.Columns))
				n++
			}
		}
		fmt.Fprintf(stdout, "%d forms checked against standard version %d\n", n, std.Version)
		return exitOK
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f surveys.Form
	if err := dec.Decode(&f); err != nil {
		return fail(stderr, "survey check", pipeline.Errorf(pipeline.Invalid, "%s: %w", path, err))
	}
	if err := f.Check(std); err != nil {
		fmt.Fprintf(stderr, "outcomes survey check: %s: %v\n", path, err)
		return exitRejected
	}
	fmt.Fprintf(stdout, "%s: %s mapping version %d, %d columns: ok against standard version %d\n", f.ID, f.Tool, f.Mapping.Version, len(f.Mapping.Columns), std.Version)
	return exitOK
}

// surveyReplayCmd sends an organisation's follow-up returns, as listed in
// a manifest (the one backfill reads), to a webhook as signed deliveries
// of the organisation's generic form, a response a request, the way a
// survey tool would have sent them as they were answered.
func surveyReplayCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("survey replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "the server's address")
	consortiumFile := fs.String("consortium", "", "the consortium's configuration")
	secretsFile := fs.String("secrets", "", "the forms' webhook secrets")
	org := fs.String("org", "", "the organisation whose follow-ups are sent")
	formID := fs.String("form", "", "the form to send them to (default: the organisation's first generic form)")
	// One at a time by default: the responses then arrive in the order of
	// the rows, and a later row for the same carer and wave replaces an
	// earlier one, as it does in the return.
	workers := fs.Int("workers", 1, "deliveries in flight at once (more than one sends them in no set order)")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() != 1 || *consortiumFile == "" || *secretsFile == "" || *org == "" {
		fmt.Fprintln(stderr, "usage: outcomes survey replay --url URL --consortium FILE --secrets FILE --org ORG [--form ID] MANIFEST.json")
		return exitFailure
	}
	std, err := standard.Latest()
	if err != nil {
		return fail(stderr, "survey replay", err)
	}
	c, err := consortium.Load(*consortiumFile, std)
	if err != nil {
		return fail(stderr, "survey replay", err)
	}
	o, ok := c.Organisation(*org)
	if !ok {
		return fail(stderr, "survey replay", pipeline.Errorf(pipeline.NotFound, "no organisation %s in %s", *org, *consortiumFile))
	}
	var form *surveys.Form
	for i := range o.Forms {
		if *formID == o.Forms[i].ID || *formID == "" && o.Forms[i].Tool == surveys.Generic {
			form = &o.Forms[i]
			break
		}
	}
	if form == nil {
		return fail(stderr, "survey replay", pipeline.Errorf(pipeline.NotFound, "organisation %s has no generic form %s", *org, *formID))
	}
	secrets, err := webhook.LoadFileSecrets(*secretsFile)
	if err != nil {
		return fail(stderr, "survey replay", err)
	}
	secret, err := secrets.Secret(context.Background(), *org, form.ID)
	if err != nil {
		return fail(stderr, "survey replay", err)
	}
	responses, err := manifestFollowups(std, fs.Arg(0), *org)
	if err != nil {
		return fail(stderr, "survey replay", err)
	}
	target := strings.TrimRight(*url, "/") + "/surveys/" + *org + "/" + form.ID
	counts := map[int]int{}
	var mu sync.Mutex
	jobs := make(chan surveys.GenericResponse)
	var wg sync.WaitGroup
	var firstErr error
	for range max(1, *workers) {
		wg.Go(func() {
			for r := range jobs {
				code, err := deliver(target, form.Tool, secret, r)
				mu.Lock()
				counts[code]++
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for _, r := range responses {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return fail(stderr, "survey replay", firstErr)
	}
	fmt.Fprintf(stdout, "Sent %d follow-up responses of %s to %s:", len(responses), *org, target)
	for _, code := range []int{200, 400, 401, 404, 413, 500, 503} {
		if counts[code] > 0 {
			fmt.Fprintf(stdout, " %d answered %d", counts[code], code)
		}
	}
	fmt.Fprintln(stdout)
	if counts[http.StatusOK] != len(responses) {
		return exitRejected
	}
	return exitOK
}

// manifestFollowups reads the rows of an organisation's followups tables
// (CSV files named followups, or sheets named followups) in the order the
// returns were submitted.
func manifestFollowups(std *standard.Standard, path, org string) ([]surveys.GenericResponse, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "read manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "read manifest %s: %w", path, err)
	}
	slices.SortStableFunc(m.Returns, func(a, b returnEntry) int { return strings.Compare(a.Submitted, b.Submitted) })
	var out []surveys.GenericResponse
	for _, r := range m.Returns {
		if r.Org != org {
			continue
		}
		period, err := pipeline.ParsePeriod(r.Period)
		if err != nil {
			return nil, err
		}
		for _, name := range r.Files {
			full := filepath.Join(filepath.Dir(path), filepath.FromSlash(name))
			rs, err := followupRows(std, full, org, period)
			if err != nil {
				return nil, err
			}
			out = append(out, rs...)
		}
	}
	return out, nil
}

func followupRows(std *standard.Standard, path, org string, period pipeline.Period) ([]surveys.GenericResponse, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "open %s: %w", path, err)
	}
	tf, err := tabular.Open(filepath.Base(path), f, st.Size(), tabular.DefaultLimits(), []string{"carers", "support", "outcomes", "followups", "finance"})
	if err != nil {
		return nil, err
	}
	defer tf.Close()
	isCSV := strings.EqualFold(filepath.Ext(path), ".csv")
	var out []surveys.GenericResponse
	for _, t := range tf.Tables {
		if isCSV && !strings.EqualFold(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), "followups") || !isCSV && !strings.EqualFold(t.Sheet, "followups") {
			continue
		}
		rr, err := t.Rows()
		if err != nil {
			return nil, err
		}
		var header []string
		var rows [][]string
		var numbers []int
		for {
			row, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rr.Close()
				return nil, err
			}
			cells := make([]string, len(row.Cells))
			for i, c := range row.Cells {
				cells[i] = string(c)
			}
			if header == nil {
				header = cells
				continue
			}
			if row.Empty() {
				continue
			}
			rows = append(rows, cells)
			numbers = append(numbers, row.Number)
		}
		rr.Close()
		out = append(out, surveys.TableResponses(std, org, period, header, rows, numbers)...)
	}
	return out, nil
}

// deliver posts one response, signed as the tool signs.
func deliver(url, tool string, secret []byte, r surveys.GenericResponse) (int, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return 0, pipeline.Errorf(pipeline.Internal, "encode response %s: %w", r.ResponseID, err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, pipeline.Errorf(pipeline.Invalid, "post to %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	name, value := webhook.Sign(tool, secret, body)
	req.Header.Set(name, value)
	for try := 0; ; try++ {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			if try < 50 {
				time.Sleep(100 * time.Millisecond) // the server may be starting
				req.Body = io.NopCloser(bytes.NewReader(body))
				continue
			}
			return 0, pipeline.Errorf(pipeline.Transient, "post to %s: %w", url, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
}

// surveyRejectedCmd prints an organisation's rejected survey responses,
// with the reasons, and those held for a carer not registered yet, as
// JSON.
func surveyRejectedCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("survey rejected", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lakeDir := fs.String("lake", "", "the lake's folder")
	org := fs.String("org", "", "the organisation")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *lakeDir == "" || *org == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: outcomes survey rejected --lake DIR --org ORG")
		return exitFailure
	}
	store, err := fsstore.New(*lakeDir)
	if err != nil {
		return fail(stderr, "survey rejected", err)
	}
	l := &lake.Lake{Store: store}
	rej, err := surveys.Rejections(context.Background(), l, *org)
	if err != nil {
		return fail(stderr, "survey rejected", err)
	}
	held, err := surveys.Holds(context.Background(), l, *org)
	if err != nil {
		return fail(stderr, "survey rejected", err)
	}
	out := struct {
		Rejected []surveys.Rejected `json:"rejected"`
		Held     []surveys.Held     `json:"held"`
	}{append([]surveys.Rejected{}, rej...), append([]surveys.Held{}, held...)}
	if err := writeJSON(stdout, out); err != nil {
		return fail(stderr, "survey rejected", err)
	}
	return exitOK
}
