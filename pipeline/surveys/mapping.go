// Package surveys takes follow-up survey responses from the online tools the
// organisations run their 13-, 26-, 52- and 104-week follow-ups in, and
// turns them into rows of the standard's followups table: a versioned
// mapping per form says which question fills which column and which choice
// is which code; anything unmapped is dropped the moment the response is
// read, so free text and names never go further. Responses are validated
// with the same rules and error codes as a return, pseudonymised on receipt,
// de-duplicated by tool and response id, and written to the lake in
// micro-batches that a compaction step merges into one file per
// organisation and quarter. A response for a carer not registered yet is
// held and checked again when the organisation's carers next arrive.
//
// The package knows nothing of HTTP, queues or AWS: the webhook adapter
// (package webhook) verifies and parses deliveries and calls Receive; a
// consumer (the Lambda function, or the local server's in-process queue)
// calls Consumer.Process with what was queued.
package surveys

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// The survey tools a form can be on.
const (
	Typeform    = "typeform"
	Tally       = "tally"
	SmartSurvey = "smartsurvey"
	MSForms     = "msforms" // Microsoft Forms, posted by a Power Automate flow
	Kobo        = "kobo"    // KoboToolbox REST services
	Generic     = "generic" // any other tool, in this project's own JSON form
)

// Tools lists the tools in the order the docs describe them.
var Tools = []string{Typeform, Tally, SmartSurvey, MSForms, Kobo, Generic}

// Form is one organisation's survey form, as the consortium's configuration
// lists it.
type Form struct {
	// ID names the form in the webhook's address, /surveys/{org}/{id}.
	ID string `json:"id"`
	// Tool is one of Tools.
	Tool string `json:"tool"`
	// ToolFormID, when set, is the tool's own id of the form; a delivery
	// for another form of the same tool is refused, so that a webhook
	// pointed at the wrong address cannot fill the wrong columns.
	ToolFormID string  `json:"tool_form_id,omitempty"`
	Mapping    Mapping `json:"mapping"`
}

// Mapping says how a form's answers become a followups row. A changed
// mapping is a new version: each stored response says which version read it.
type Mapping struct {
	Version int `json:"version"`
	// Columns maps a followups column to where its value comes from.
	Columns map[string]Source `json:"columns"`
}

// Source is where a column's value comes from: exactly one of Question (a
// question's id or reference in the tool), Hidden (a hidden field of the
// personalised link), Value (the same for every response: the wave of a
// form used for one wave only) or Submitted (the day the response was
// submitted).
type Source struct {
	Question  string `json:"question,omitempty"`
	Hidden    string `json:"hidden,omitempty"`
	Value     string `json:"value,omitempty"`
	Submitted bool   `json:"submitted,omitempty"`
	// Choices maps an answer as the tool sends it (a choice's label) to
	// the standard's code or value. An answer not listed is passed on as
	// it is, and validation accepts it if it is a code or label.
	Choices map[string]string `json:"choices,omitempty"`
}

func (s Source) set() int {
	n := 0
	for _, b := range []bool{s.Question != "", s.Hidden != "", s.Value != "", s.Submitted} {
		if b {
			n++
		}
	}
	return n
}

// The followups column that holds the carer's reference; in the lake it is
// the pseudonym, carer_id.
const clientRefColumn = "client_ref"

// Check validates a form's configuration against the standard: a known
// tool, a version, every column a field of the followups table, every
// required field mapped, the client reference from the link or a question,
// and every fixed value and choice one the column accepts. It returns every
// problem found, joined.
func (f *Form) Check(std *standard.Standard) error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !validID(f.ID) {
		bad("id %q: want 1-64 characters of a-z, 0-9, - and _", f.ID)
	}
	if !slices.Contains(Tools, f.Tool) {
		bad("tool %q: want one of %s", f.Tool, strings.Join(Tools, ", "))
	}
	m := f.Mapping
	if m.Version < 1 {
		bad("mapping.version is %d: number the mapping from 1, and add 1 whenever it changes", m.Version)
	}
	k := std.Kind("followups")
	if k == nil {
		return pipeline.Errorf(pipeline.Internal, "check form %s: the standard has no followups table", f.ID)
	}
	for _, fld := range k.Fields {
		if fld.Required {
			if _, ok := m.Columns[fld.Name]; !ok {
				bad("mapping.columns has no %s: it is required in a follow-up", fld.Name)
			}
		}
	}
	for _, col := range sortedKeys(m.Columns) {
		src := m.Columns[col]
		fld := k.Field(col)
		if fld == nil {
			bad("mapping.columns.%s: not a column of followups (%s)", col, strings.Join(fieldNames(k), ", "))
			continue
		}
		if n := src.set(); n != 1 {
			bad("mapping.columns.%s: give exactly one of question, hidden, value or submitted (%d given)", col, n)
			continue
		}
		if col == clientRefColumn && src.Question == "" && src.Hidden == "" {
			bad("mapping.columns.client_ref: the client reference comes from a hidden field of the link or a question, not a fixed value")
		}
		if src.Submitted && fld.Type != standard.Date {
			bad("mapping.columns.%s: submitted is a date, and %s is %s", col, col, fld.Type)
		}
		if src.Value != "" {
			if msg := accepts(fld, src.Value); msg != "" {
				bad("mapping.columns.%s: value %q %s", col, src.Value, msg)
			}
		}
		for _, answer := range sortedKeys(src.Choices) {
			if msg := accepts(fld, src.Choices[answer]); msg != "" {
				bad("mapping.columns.%s: choice %q maps to %q, which %s", col, answer, src.Choices[answer], msg)
			}
		}
	}
	if len(problems) > 0 {
		return pipeline.Errorf(pipeline.Invalid, "form %s: %s", f.ID, strings.Join(problems, "; "))
	}
	return nil
}

// accepts says what is wrong with a value for a field, or "".
func accepts(f *standard.Field, v string) string {
	switch f.Type {
	case standard.Code:
		if _, ok := f.CodeList.Lookup([]byte(v)); !ok {
			return "is not one of its codes (" + strings.Join(f.CodeList.Codes(), ", ") + ")"
		}
	case standard.Integer, standard.Number:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return "is not a number"
		}
		if f.Minimum != nil && x < *f.Minimum || f.Maximum != nil && x > *f.Maximum {
			return "is out of range (" + f.Range() + ")"
		}
	case standard.Date:
		return "is a fixed date: map the column from a question or from the day submitted"
	}
	return ""
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func fieldNames(k *standard.Kind) []string {
	out := make([]string, len(k.Fields))
	for i, f := range k.Fields {
		out[i] = f.Name
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
