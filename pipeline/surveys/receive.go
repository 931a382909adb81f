package surveys

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
)

// Message is one response as it is queued: mapped, with every unmapped
// answer gone, and pseudonymised (the client_ref value is the carer's
// carer_id). Nothing in it names the carer.
type Message struct {
	Org            string            `json:"org"`
	Form           string            `json:"form"`
	Tool           string            `json:"tool"`
	ResponseID     string            `json:"response_id"`
	MappingVersion int               `json:"mapping_version"`
	Submitted      time.Time         `json:"submitted_at"`
	Received       time.Time         `json:"received_at"`
	Values         map[string]string `json:"values"` // followups column → cell text
}

// Key is the response's de-duplication key: the tool and its response id,
// hashed so that it has one length and one alphabet whatever the tool's
// ids look like.
func (m *Message) Key() string { return ResponseKey(m.Tool, m.ResponseID) }

// ResponseKey is the de-duplication key of a tool's response id: 32
// lowercase hex characters (128 bits of SHA-256).
func ResponseKey(tool, responseID string) string {
	sum := sha256.Sum256([]byte(tool + ":" + responseID))
	return hex.EncodeToString(sum[:16])
}

// Period is the quarter a response belongs to: the quarter it was
// submitted in, as a return's rows belong to the quarter of the return.
func (m *Message) Period() pipeline.Period { return pipeline.PeriodOf(m.Submitted) }

// Map applies a form's mapping to a response. Only mapped columns are
// kept; the client reference is replaced by the carer's pseudonym at once
// (an absent one stays absent, and validation rejects the response). A
// delivery for another of the tool's forms than the configured one is
// Invalid.
func Map(org string, f *Form, r Response, h *pseudonym.Hasher, received time.Time) (Message, error) {
	if f.ToolFormID != "" && r.ToolFormID != "" && r.ToolFormID != f.ToolFormID {
		return Message{}, pipeline.Errorf(pipeline.Invalid, "map response %s: it is from form %s of %s, and %s/%s is form %s", r.ID, r.ToolFormID, f.Tool, org, f.ID, f.ToolFormID)
	}
	m := Message{Org: org, Form: f.ID, Tool: f.Tool, ResponseID: r.ID, MappingVersion: f.Mapping.Version,
		Submitted: r.Submitted.UTC(), Received: received.UTC(), Values: map[string]string{}}
	for col, src := range f.Mapping.Columns {
		var v string
		switch {
		case src.Question != "":
			v = r.Answers[src.Question]
		case src.Hidden != "":
			v = r.Hidden[src.Hidden]
		case src.Value != "":
			v = src.Value
		case src.Submitted:
			v = r.Submitted.UTC().Format(time.DateOnly)
		}
		v = strings.TrimSpace(v)
		if c, ok := choice(src.Choices, v); ok {
			v = c
		}
		if v == "" {
			continue
		}
		if col == clientRefColumn {
			v = string(h.CarerID([]byte(v)))
		}
		m.Values[col] = v
	}
	return m, nil
}

// choice looks an answer up in a mapping's choices: as written, or else
// ignoring case, since tools and the people who copy their labels into a
// mapping differ in capitals.
func choice(choices map[string]string, answer string) (string, bool) {
	if c, ok := choices[answer]; ok {
		return c, true
	}
	for k, c := range choices {
		if strings.EqualFold(strings.TrimSpace(k), answer) {
			return c, true
		}
	}
	return "", false
}
