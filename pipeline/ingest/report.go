package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// storeReport writes the uploader's report, page and status; the status
// goes last, as the mark that the upload is done.
func storeReport(ctx context.Context, cfg Config, req Request, up *Upload, fr *validate.FileReport, kinds, late []string) error {
	rep := &validate.Report{Org: req.Org, Period: req.Period.String(), StandardVersion: cfg.Standard.Version, Files: []*validate.FileReport{fr}}
	rep.WithholdPersonal(cfg.Standard)
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "encode report: %w", err)
	}
	var page bytes.Buffer
	issue := func(code string) standard.IssueCode { c, _ := cfg.Standard.Issue(code); return c }
	status := string(up.Status)
	if len(late) > 0 {
		status += fmt.Sprintf("; a return received later is current for %s, and this file's rows for it were not kept", strings.Join(late, ", "))
	}
	err = rep.WriteHTML(&page, validate.PageMeta{UploadID: up.UploadID, Received: req.Received, Status: status,
		Explain:    func(code string) string { return issue(code).Meaning },
		TableLevel: func(code string) bool { return issue(code).Level == "table" },
	})
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "render report: %w", err)
	}
	if kinds == nil {
		kinds = []string{}
	}
	stjs, err := json.MarshalIndent(lake.UploadStatus{Org: req.Org, Period: req.Period.String(), UploadID: up.UploadID, File: up.File,
		Status: up.Status, Kinds: kinds, Late: late, Received: req.Received, Done: cfg.now()}, "", "  ")
	if err != nil {
		return pipeline.Errorf(pipeline.Internal, "encode status: %w", err)
	}
	for _, f := range []struct {
		name string
		body []byte
	}{{"report.json", append(js, '\n')}, {"report.html", page.Bytes()}, {"status.json", append(stjs, '\n')}} {
		if err := cfg.Lake.PutUploadFile(ctx, req.Org, up.UploadID, f.name, f.body); err != nil {
			return err
		}
	}
	return nil
}

// alreadyIngested reports an upload that needs no work: its bytes were
// ingested for the same quarter and are still current, or this very
// delivery (the same receipt time) was ingested before, whatever has
// replaced it since. It returns nil when the upload must be processed: the
// same bytes received again later are a new receipt, and may revert the
// quarter to them.
func alreadyIngested(ctx context.Context, l *lake.Lake, req Request, id string) (*Upload, *validate.FileReport, error) {
	st, ok, err := l.Status(ctx, req.Org, id)
	if err != nil || !ok || st.Status != lake.UploadDone && st.Status != lake.UploadLate || st.Period != req.Period.String() {
		return nil, nil, err
	}
	redelivered := st.Received.Equal(req.Received)
	up := &Upload{File: st.File, UploadID: id, Status: lake.UploadDuplicate}
	for _, kind := range slices.Concat(st.Kinds, st.Late) {
		cur, _, ok, err := l.Current(ctx, lake.Partition{Kind: kind, Org: req.Org, Period: req.Period})
		if err != nil {
			return nil, nil, err
		}
		t := Table{Kind: kind, Sheet: cur.Sheet, Status: TableUnchanged, Rows: cur.Rows, Accepted: cur.Rows, Key: cur.Key}
		if !ok || cur.UploadID != id {
			if !redelivered {
				return nil, nil, nil
			}
			t = Table{Kind: kind, Status: TableReplaced, Current: cur.UploadID}
		}
		up.Tables = append(up.Tables, t)
	}
	rc, _, err := l.Store.Get(ctx, lake.UploadKey(req.Org, id, "report.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("read the report of upload %s: %w", id, err)
	}
	defer rc.Close()
	var rep validate.Report
	if err := json.NewDecoder(rc).Decode(&rep); err != nil || len(rep.Files) != 1 {
		return nil, nil, pipeline.Errorf(pipeline.Internal, "read the report of upload %s: %v", id, err)
	}
	return up, rep.Files[0], nil
}
