package surveys

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Response is one survey response as a tool delivered it, reduced to what a
// mapping can use: its id, when it was submitted, and each answer and hidden
// field as text, keyed by the tool's question id or reference. It is held
// only while a delivery is mapped: Map keeps the mapped answers and drops
// the rest.
type Response struct {
	ID         string
	ToolFormID string
	Submitted  time.Time
	Answers    map[string]string
	Hidden     map[string]string
}

// MaxBatch is the most responses one delivery may hold (SmartSurvey sends
// up to 1,000 a batch).
const MaxBatch = 1000

// Parse reads a delivery's body in the tool's own JSON form. A body that is
// not the tool's form is Invalid.
func Parse(tool string, body []byte) ([]Response, error) {
	var rs []Response
	var err error
	switch tool {
	case Typeform:
		rs, err = parseTypeform(body)
	case Tally:
		rs, err = parseTally(body)
	case SmartSurvey:
		rs, err = parseSmartSurvey(body)
	case MSForms, Generic:
		rs, err = parseGeneric(body)
	case Kobo:
		rs, err = parseKobo(body)
	default:
		return nil, pipeline.Errorf(pipeline.Internal, "read a delivery: no tool %q", tool)
	}
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "read a %s delivery: %w", tool, err)
	}
	if len(rs) > MaxBatch {
		return nil, pipeline.Errorf(pipeline.Invalid, "read a %s delivery: %d responses, at most %d a delivery", tool, len(rs), MaxBatch)
	}
	for i, r := range rs {
		if strings.TrimSpace(r.ID) == "" {
			return nil, pipeline.Errorf(pipeline.Invalid, "read a %s delivery: response %d has no id", tool, i+1)
		}
		if r.Submitted.IsZero() {
			return nil, pipeline.Errorf(pipeline.Invalid, "read a %s delivery: response %s has no submission time", tool, r.ID)
		}
	}
	return rs, nil
}

func decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode JSON: %w", err)
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time", s)
}

// text turns an answer of any JSON type into the text a cell would hold:
// numbers as written, booleans as Y or N, lists joined with "; ".
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "Y"
		}
		return "N"
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s := text(e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		for _, k := range []string{"label", "text", "value", "other"} {
			if s, ok := x[k]; ok {
				return text(s)
			}
		}
	}
	return ""
}

// Typeform: one response per delivery, answers keyed by the field's ref
// (and its id), each answer's value under the key its type names.
func parseTypeform(body []byte) ([]Response, error) {
	var p struct {
		EventType    string `json:"event_type"`
		FormResponse *struct {
			FormID      string           `json:"form_id"`
			Token       string           `json:"token"`
			SubmittedAt string           `json:"submitted_at"`
			Hidden      map[string]any   `json:"hidden"`
			Answers     []map[string]any `json:"answers"`
		} `json:"form_response"`
	}
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	fr := p.FormResponse
	if fr == nil || p.EventType != "form_response" {
		return nil, fmt.Errorf("no form_response (event_type %q)", p.EventType)
	}
	t, err := parseTime(fr.SubmittedAt)
	if err != nil {
		return nil, fmt.Errorf("submitted_at: %w", err)
	}
	r := Response{ID: fr.Token, ToolFormID: fr.FormID, Submitted: t, Answers: map[string]string{}, Hidden: map[string]string{}}
	for k, v := range fr.Hidden {
		r.Hidden[k] = text(v)
	}
	for _, a := range fr.Answers {
		typ, _ := a["type"].(string)
		field, _ := a["field"].(map[string]any)
		var val string
		switch typ {
		case "choice":
			val = text(a["choice"])
		case "choices":
			if c, ok := a["choices"].(map[string]any); ok {
				val = text(c["labels"])
			}
		default:
			val = text(a[typ])
		}
		for _, k := range []string{"ref", "id"} {
			if s, ok := field[k].(string); ok && s != "" {
				r.Answers[s] = val
			}
		}
	}
	return []Response{r}, nil
}

// Tally: one response per delivery; fields carry a key, a type and a value,
// choices as option ids listed in the field's options; hidden fields are
// fields of type HIDDEN_FIELDS, keyed by their label too.
func parseTally(body []byte) ([]Response, error) {
	var p struct {
		EventType string `json:"eventType"`
		Data      *struct {
			ResponseID string `json:"responseId"`
			FormID     string `json:"formId"`
			CreatedAt  string `json:"createdAt"`
			Fields     []struct {
				Key     string `json:"key"`
				Label   string `json:"label"`
				Type    string `json:"type"`
				Value   any    `json:"value"`
				Options []struct {
					ID   string `json:"id"`
					Text string `json:"text"`
				} `json:"options"`
			} `json:"fields"`
		} `json:"data"`
	}
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if p.Data == nil || p.EventType != "FORM_RESPONSE" {
		return nil, fmt.Errorf("no data (eventType %q)", p.EventType)
	}
	t, err := parseTime(p.Data.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("createdAt: %w", err)
	}
	r := Response{ID: p.Data.ResponseID, ToolFormID: p.Data.FormID, Submitted: t, Answers: map[string]string{}, Hidden: map[string]string{}}
	for _, f := range p.Data.Fields {
		val := f.Value
		if len(f.Options) > 0 {
			byID := map[string]string{}
			for _, o := range f.Options {
				byID[o.ID] = o.Text
			}
			if ids, ok := val.([]any); ok {
				labels := make([]any, 0, len(ids))
				for _, id := range ids {
					if s, ok := id.(string); ok && byID[s] != "" {
						labels = append(labels, byID[s])
					} else {
						labels = append(labels, id)
					}
				}
				val = labels
			}
		}
		if f.Type == "HIDDEN_FIELDS" {
			r.Hidden[f.Label] = text(val)
			r.Hidden[f.Key] = text(val)
			continue
		}
		r.Answers[f.Key] = text(val)
	}
	return []Response{r}, nil
}

// SmartSurvey: a JSON array of full responses; each question's answers
// carry a choice title and, for text and numbers, a value. Custom variables
// of a personalised link come as variables (name and value).
func parseSmartSurvey(body []byte) ([]Response, error) {
	var p []struct {
		ID        json.Number `json:"id"`
		SurveyID  json.Number `json:"survey_id"`
		DateEnded string      `json:"date_ended"`
		Status    string      `json:"status"`
		Variables []struct {
			Name  string `json:"name"`
			Label string `json:"label"`
			Value any    `json:"value"`
		} `json:"variables"`
		Pages []struct {
			Questions []struct {
				ID      json.Number `json:"id"`
				Answers []struct {
					ChoiceID    json.Number `json:"choice_id"`
					ChoiceTitle string      `json:"choice_title"`
					Value       any         `json:"value"`
				} `json:"answers"`
			} `json:"questions"`
		} `json:"pages"`
	}
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	out := make([]Response, 0, len(p))
	for _, s := range p {
		if s.Status != "" && s.Status != "completed" {
			continue // a partial response is sent again once completed
		}
		t, err := parseTime(s.DateEnded)
		if err != nil {
			return nil, fmt.Errorf("response %s: date_ended: %w", s.ID, err)
		}
		r := Response{ID: s.ID.String(), ToolFormID: s.SurveyID.String(), Submitted: t, Answers: map[string]string{}, Hidden: map[string]string{}}
		for _, v := range s.Variables {
			r.Hidden[v.Name] = text(v.Value)
		}
		for _, pg := range s.Pages {
			for _, q := range pg.Questions {
				var parts []string
				for _, a := range q.Answers {
					if s := text(a.Value); s != "" {
						parts = append(parts, s)
					} else if a.ChoiceTitle != "" {
						parts = append(parts, a.ChoiceTitle)
					}
				}
				r.Answers[q.ID.String()] = strings.Join(parts, "; ")
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// GenericResponse is the project's own JSON form, which a Power Automate
// flow builds from Microsoft Forms' "Get response details" and any other
// tool can send: one response or a list of them.
type GenericResponse struct {
	FormID      string         `json:"form_id"`
	ResponseID  string         `json:"response_id"`
	SubmittedAt string         `json:"submitted_at"`
	Hidden      map[string]any `json:"hidden"`
	Answers     map[string]any `json:"answers"`
}

func parseGeneric(body []byte) ([]Response, error) {
	var many []GenericResponse
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '[' {
		if err := decode(body, &many); err != nil {
			return nil, err
		}
	} else {
		var one GenericResponse
		if err := decode(body, &one); err != nil {
			return nil, err
		}
		many = []GenericResponse{one}
	}
	out := make([]Response, 0, len(many))
	for _, g := range many {
		t, err := parseTime(g.SubmittedAt)
		if err != nil {
			return nil, fmt.Errorf("response %s: submitted_at: %w", g.ResponseID, err)
		}
		r := Response{ID: g.ResponseID, ToolFormID: g.FormID, Submitted: t, Answers: map[string]string{}, Hidden: map[string]string{}}
		for k, v := range g.Hidden {
			r.Hidden[k] = text(v)
		}
		for k, v := range g.Answers {
			r.Answers[k] = text(v)
		}
		out = append(out, r)
	}
	return out, nil
}

// KoboToolbox: the submission's JSON, answers keyed by their path in the
// form (group/question), the lake's bookkeeping under keys starting "_".
// Kobo has no hidden fields; a personalised link fills a question instead.
func parseKobo(body []byte) ([]Response, error) {
	var p map[string]any
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	id := text(p["_uuid"])
	if id == "" {
		id = strings.TrimPrefix(text(p["meta/instanceID"]), "uuid:")
	}
	if id == "" {
		id = text(p["_id"])
	}
	t, err := parseTime(text(p["_submission_time"]))
	if err != nil {
		return nil, fmt.Errorf("_submission_time: %w", err)
	}
	r := Response{ID: id, ToolFormID: text(p["_xform_id_string"]), Submitted: t, Answers: map[string]string{}, Hidden: map[string]string{}}
	for k, v := range p {
		if strings.HasPrefix(k, "_") || strings.HasPrefix(k, "meta/") || strings.HasPrefix(k, "formhub/") {
			continue
		}
		r.Answers[k] = text(v)
		// Kobo's select_multiple answers are space-separated names.
		if i := strings.LastIndexByte(k, '/'); i >= 0 {
			r.Answers[k[i+1:]] = r.Answers[k]
		}
	}
	return []Response{r}, nil
}
