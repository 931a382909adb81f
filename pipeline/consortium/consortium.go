// Package consortium is a consortium's configuration: who its member
// organisations are, who leads it, when reports go out, how long each kind of
// object is kept and the first quarter it collects. One JSON file holds it;
// the CLI (`outcomes ddl`, `outcomes serve`), the report function and the CDK
// stacks all read that same file through Load, so that an organisation added
// in one place is known everywhere.
package consortium

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"slices"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// Consortium is the whole configuration file.
type Consortium struct {
	// Name is how pages and e-mails name the consortium.
	Name string `json:"name"`
	// FirstQuarter is the first quarter the consortium collects returns
	// for; partitions and due dates start there.
	FirstQuarter  pipeline.Period `json:"first_quarter"`
	Organisations []Organisation  `json:"organisations"`
	// Leads are the consortium leads' e-mail addresses.
	Leads   []string `json:"leads"`
	Reports Reports  `json:"reports"`
	// Retention says how many days each store keeps its objects.
	Retention Retention `json:"retention"`
	// Operators receive the deployment's alarms (a failed ingest, a lake
	// check that found a problem). Optional: the alarms' topic can be
	// subscribed to later.
	Operators []string `json:"operators,omitempty"`
	// ReturnsDueDays is how many days after a quarter's last day its
	// return is due; 0 means DefaultDueDays. Pages and the
	// uploads API show a return not sent by then as overdue, and one sent
	// after it as late.
	ReturnsDueDays int `json:"returns_due_days,omitempty"`
}

// DefaultDueDays is how long after a quarter's end its return is due when
// the file does not say: a month, as most grant agreements ask.
const DefaultDueDays = 30

// DueDays is ReturnsDueDays, or the default when it is not set.
func (c *Consortium) DueDays() int {
	if c.ReturnsDueDays == 0 {
		return DefaultDueDays
	}
	return c.ReturnsDueDays
}

// Organisation is one member organisation.
type Organisation struct {
	// Code is the organisation code of the standard (the lake's org=).
	Code string `json:"code"`
	Name string `json:"name"`
	// Contacts are the addresses its report links and reminders go to.
	Contacts []string `json:"contacts"`
	// Forms are its follow-up survey forms, each with its webhook
	// /surveys/{code}/{id} and the mapping of its answers to followups.
	Forms []surveys.Form `json:"forms,omitempty"`
}

// Reports says when the quarterly reports are made and who sends them.
type Reports struct {
	// Schedule is an EventBridge Scheduler expression, for example
	// "cron(0 6 10 1,4,7,10 ? *)": 06:00 on the 10th day after a quarter.
	Schedule string `json:"schedule"`
	// Timezone is the schedule's IANA time zone, for example Europe/London.
	Timezone string `json:"timezone"`
	// From is the sender address of every e-mail.
	From string `json:"from"`
}

// Retention is in days; zero means "keep" only where the field says so.
type Retention struct {
	// LandingDays: an upload waits in landing this long at most (short).
	LandingDays int `json:"landing_days"`
	// RawDays: each upload as received is kept this long.
	RawDays int `json:"raw_days"`
	// ReportsDays: stored reports are kept this long.
	ReportsDays int `json:"reports_days"`
	// AthenaResultsDays: query results are kept this long.
	AthenaResultsDays int `json:"athena_results_days"`
	// AccessLogDays: S3 access logs are kept this long.
	AccessLogDays int `json:"access_log_days"`
}

// Load reads and checks a consortium file.
func Load(path string, std *standard.Standard) (*Consortium, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "read consortium file: %w", err)
	}
	c, err := Parse(b, std)
	if err != nil {
		return nil, fmt.Errorf("consortium file %s: %w", path, err)
	}
	return c, nil
}

// Parse reads and checks a consortium file's bytes. Unknown fields are an
// error, so that a misspelt setting is not silently ignored.
func Parse(b []byte, std *standard.Standard) (*Consortium, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Consortium
	if err := dec.Decode(&c); err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "parse consortium: %w", err)
	}
	if err := c.check(std); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Consortium) check(std *standard.Standard) error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(c.Name) == "" {
		bad("name is empty")
	}
	if c.FirstQuarter == (pipeline.Period{}) {
		bad("first_quarter is missing (write it as YYYY-Qn)")
	}
	if len(c.Organisations) == 0 {
		bad("organisations is empty")
	}
	seen := map[string]bool{}
	for i, o := range c.Organisations {
		if err := std.ValidOrg(o.Code); err != nil {
			bad("organisations[%d]: %v", i, err)
		}
		if seen[o.Code] {
			bad("organisations[%d]: code %s appears twice", i, o.Code)
		}
		seen[o.Code] = true
		for _, a := range o.Contacts {
			if !validAddress(a) {
				bad("organisations[%d] (%s): contact %q is not an e-mail address", i, o.Code, a)
			}
		}
		forms := map[string]bool{}
		for j := range o.Forms {
			f := &o.Forms[j]
			if err := f.Check(std); err != nil {
				bad("organisations[%d] (%s): forms[%d]: %v", i, o.Code, j, err)
			}
			if forms[f.ID] {
				bad("organisations[%d] (%s): form %s appears twice", i, o.Code, f.ID)
			}
			forms[f.ID] = true
		}
	}
	if len(c.Leads) == 0 {
		bad("leads is empty: someone must receive the consortium's report")
	}
	for _, a := range c.Leads {
		if !validAddress(a) {
			bad("lead %q is not an e-mail address", a)
		}
	}
	for _, a := range c.Operators {
		if !validAddress(a) {
			bad("operator %q is not an e-mail address", a)
		}
	}
	if c.Reports.From != "" && !validAddress(c.Reports.From) {
		bad("reports.from %q is not an e-mail address", c.Reports.From)
	}
	if c.ReturnsDueDays < 0 || c.ReturnsDueDays > 365 {
		bad("returns_due_days is %d: want a number of days from 1 to 365 (leave it out for %d)", c.ReturnsDueDays, DefaultDueDays)
	}
	r := c.Retention
	for _, f := range []struct {
		name string
		days int
	}{{"landing_days", r.LandingDays}, {"raw_days", r.RawDays}, {"reports_days", r.ReportsDays},
		{"athena_results_days", r.AthenaResultsDays}, {"access_log_days", r.AccessLogDays}} {
		if f.days < 1 {
			bad("retention.%s is %d: want a number of days, at least 1", f.name, f.days)
		}
	}
	if len(problems) > 0 {
		return pipeline.Errorf(pipeline.Invalid, "check consortium: %s", strings.Join(problems, "; "))
	}
	return nil
}

// validAddress accepts a bare address (no display name).
func validAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// Codes are the organisations' codes, sorted.
func (c *Consortium) Codes() []string {
	out := make([]string, len(c.Organisations))
	for i, o := range c.Organisations {
		out[i] = o.Code
	}
	slices.Sort(out)
	return out
}

// Organisation returns the organisation with the code, if it is a member.
func (c *Consortium) Organisation(code string) (Organisation, bool) {
	for _, o := range c.Organisations {
		if o.Code == code {
			return o, true
		}
	}
	return Organisation{}, false
}

// Form returns an organisation's form, if both exist.
func (c *Consortium) Form(org, id string) (*surveys.Form, bool) {
	for i := range c.Organisations {
		o := &c.Organisations[i]
		if o.Code != org {
			continue
		}
		for j := range o.Forms {
			if o.Forms[j].ID == id {
				return &o.Forms[j], true
			}
		}
	}
	return nil, false
}

// Quarters are the quarters from the first quarter to last, in order.
func (c *Consortium) Quarters(last pipeline.Period) []pipeline.Period {
	var out []pipeline.Period
	for p := c.FirstQuarter; p.Compare(last) <= 0; p = p.Next() {
		out = append(out, p)
	}
	return out
}

// Marshal writes the file in the form Load reads.
func (c *Consortium) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "marshal consortium: %w", err)
	}
	return append(b, '\n'), nil
}
