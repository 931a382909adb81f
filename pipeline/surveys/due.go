package surveys

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/formula"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// The due list's windows, in days.
const (
	// DueAhead: a survey falls due in the next 4 weeks.
	DueAhead = 28
	// OverdueFor: an unanswered survey is listed as overdue until the
	// window in which metrics.md section 3 looks for it closes, 56 days
	// after its check point; after that it can no longer tell whether a
	// job was kept.
	OverdueFor = 56
)

// Due statuses.
const (
	StatusDue     = "due"
	StatusOverdue = "overdue"
)

// DueSurvey is one follow-up survey a carer is due, identified the way the
// organisation finds the carer in its own records: the upload, file, sheet
// and row of the carer's registration, and the registration date. The
// lake holds no client reference, and the list never has one.
type DueSurvey struct {
	Wave       string        `json:"wave"`
	DueDate    pipeline.Days `json:"-"`
	Status     string        `json:"status"`
	Registered pipeline.Days `json:"-"`
	UploadID   string        `json:"upload_id"`
	File       string        `json:"file"`
	Sheet      string        `json:"sheet"`
	Row        int           `json:"row"`
	// DueOn and RegisteredOn are the dates as text, for JSON.
	DueOn        string `json:"due_date"`
	RegisteredOn string `json:"registration_date"`
}

// DueList lists an organisation's carers who agreed to follow-up surveys
// and are due a 13-, 26-, 52- or 104-week survey in the DueAhead days from
// today, or whose survey is past due with no answer for that wave (from a
// return or a survey webhook) while its window is open. Sorted by due
// date, then where the carer was registered.
func DueList(ctx context.Context, l *lake.Lake, std *standard.Standard, org string, today pipeline.Days) ([]DueSurvey, error) {
	if err := std.ValidOrg(org); err != nil {
		return nil, err
	}
	ds, err := lakedata.Load(ctx, l, std, org)
	if err != nil {
		return nil, err
	}
	ptrs, err := l.Pointers(ctx, "carers", org)
	if err != nil {
		return nil, err
	}
	byPeriod := map[pipeline.Period]lake.Pointer{}
	for _, p := range ptrs {
		per, err := pipeline.ParsePeriod(p.Period)
		if err != nil {
			return nil, fmt.Errorf("due list: %w", err)
		}
		byPeriod[per] = p
	}
	// A carer's registration is the row with the earliest date (the
	// earliest return, then row, among equal dates); consent comes from
	// the latest row, as the profile of metrics.md does.
	type carer struct {
		reg, latest struct {
			ret pipeline.Period
			row int
		}
		registered pipeline.Days
		consent    string
	}
	carers := map[string]*carer{}
	for _, c := range ds.Carers {
		x := carers[c.ID]
		if x == nil {
			x = &carer{registered: c.Registered}
			x.reg.ret, x.reg.row = c.Return, c.Row
			x.latest = x.reg
			x.consent = c.ConsentFollowup
			carers[c.ID] = x
			continue
		}
		if c.Registered < x.registered || c.Registered == x.registered && cmp.Or(c.Return.Compare(x.reg.ret), c.Row-x.reg.row) < 0 {
			x.registered = c.Registered
			x.reg.ret, x.reg.row = c.Return, c.Row
		}
		if cmp.Or(c.Return.Compare(x.latest.ret), c.Row-x.latest.row) > 0 {
			x.latest.ret, x.latest.row = c.Return, c.Row
			x.consent = c.ConsentFollowup
		}
	}
	answered := map[[2]string]bool{}
	for _, f := range ds.Followups {
		answered[[2]string{f.CarerID, f.Wave}] = true
	}
	waves := std.Kind("followups").Field("wave").CodeList
	var out []DueSurvey
	for id, c := range carers {
		if c.consent != "Y" {
			continue
		}
		for _, w := range waves.Entries {
			if w.Weeks == nil || *w.Weeks <= 0 || answered[[2]string{id, w.Code}] {
				continue
			}
			due := c.registered + pipeline.Days(7**w.Weeks)
			var status string
			switch {
			case due >= today && due < today+DueAhead:
				status = StatusDue
			case due < today && due+OverdueFor >= today:
				status = StatusOverdue
			default:
				continue
			}
			p := byPeriod[c.reg.ret]
			out = append(out, DueSurvey{Wave: w.Code, DueDate: due, Status: status, Registered: c.registered,
				UploadID: p.UploadID, File: p.File, Sheet: p.Sheet, Row: c.reg.row, DueOn: due.String(), RegisteredOn: c.registered.String()})
		}
	}
	slices.SortFunc(out, func(a, b DueSurvey) int {
		return cmp.Or(cmp.Compare(a.DueDate, b.DueDate), cmp.Compare(a.File, b.File), cmp.Compare(a.Sheet, b.Sheet), cmp.Compare(a.Row, b.Row), cmp.Compare(a.Wave, b.Wave))
	})
	return out, nil
}

// DueHeader is the due list's CSV header.
var DueHeader = []string{"wave", "due_date", "status", "registration_date", "file", "sheet", "row", "upload_id"}

// WriteDueCSV writes a due list as CSV; file and sheet names, the
// uploader's own text, are neutralised so that the list opens safely in a
// spreadsheet.
func WriteDueCSV(w io.Writer, list []DueSurvey) error {
	cw := csv.NewWriter(w)
	cw.Write(DueHeader)
	for _, d := range list {
		cw.Write([]string{d.Wave, d.DueOn, d.Status, d.RegisteredOn, formula.Neutralise(d.File), formula.Neutralise(d.Sheet), strconv.Itoa(d.Row), d.UploadID})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return pipeline.Errorf(pipeline.Transient, "write the due list: %w", err)
	}
	return nil
}
