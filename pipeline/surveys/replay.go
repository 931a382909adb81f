package surveys

import (
	"fmt"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// TableForm is a generic form whose questions are the followups columns
// by name, with the client reference and the wave in hidden fields named
// client_ref and wave, as a personalised link would carry them: the form a
// followups table's rows are replayed through (the demo sends one
// organisation's follow-up returns as webhook deliveries).
func TableForm(id string, std *standard.Standard) Form {
	f := Form{ID: id, Tool: Generic, Mapping: Mapping{Version: 1, Columns: map[string]Source{}}}
	for _, fld := range std.Kind("followups").Fields {
		switch fld.Name {
		case clientRefColumn, "wave":
			f.Mapping.Columns[fld.Name] = Source{Hidden: fld.Name}
		default:
			f.Mapping.Columns[fld.Name] = Source{Question: fld.Name}
		}
	}
	return f
}

// TableResponses turns the rows of one return's followups table into
// responses of TableForm, one per row: the response id names the
// organisation, quarter and row, so that replaying a table twice sends the
// same responses; each is submitted on its survey date (or, when that is
// not a date, on the quarter's last day), so that it falls in the quarter
// it was surveyed in. header names the columns; numbers[i] is the row
// number of rows[i] in its file.
func TableResponses(std *standard.Standard, org string, period pipeline.Period, header []string, rows [][]string, numbers []int) []GenericResponse {
	byHeader := map[string]string{}
	for _, f := range std.Kind("followups").Fields {
		byHeader[standard.NormaliseHeader(f.Name)] = f.Name
		byHeader[standard.NormaliseHeader(f.Title)] = f.Name
	}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = byHeader[standard.NormaliseHeader(h)] // "" for a column that is not the standard's
	}
	out := make([]GenericResponse, 0, len(rows))
	for i, row := range rows {
		g := GenericResponse{ResponseID: fmt.Sprintf("%s-%s-row%d", org, period, numbers[i]), Hidden: map[string]any{}, Answers: map[string]any{}}
		submitted := period.End().Add(12 * time.Hour)
		for j, cell := range row {
			if j >= len(cols) || cols[j] == "" || strings.TrimSpace(cell) == "" {
				continue
			}
			switch cols[j] {
			case clientRefColumn, "wave":
				g.Hidden[cols[j]] = cell
			case "survey_date":
				if t, err := time.Parse(time.DateOnly, strings.TrimSpace(cell)); err == nil {
					submitted = t.Add(12 * time.Hour)
				}
				g.Answers[cols[j]] = cell
			default:
				g.Answers[cols[j]] = cell
			}
		}
		g.SubmittedAt = submitted.UTC().Format(time.RFC3339)
		out = append(out, g)
	}
	return out
}
