package metrics

import "github.com/carer-outcomes/carer-outcomes/pipeline"

// Consortium is the scope of figures over every organisation.
const Consortium = "consortium"

// Carer is one row of a carers table.
type Carer struct {
	ID                  string
	Org                 string
	Registered          pipeline.Days
	ConsentFollowup     string // Y, N or U
	EmploymentStatus    string
	PersonalBudget      string
	ReferralSource      string
	AgeBand             string
	Gender              string
	Ethnicity           string
	Condition           string
	LimitingIllness     string
	FinancialDifficulty string
	LocalAuthority      string
	Return              pipeline.Period // the return the row came in
	Row                 int             // the row's position in its table
}

// Support is one row of a support table.
type Support struct {
	CarerID            string
	Org                string
	Date               pipeline.Days
	Minutes            int // 0 when missing
	OutsideOfficeHours string
	Activity           string
	Mode               string
	Return             pipeline.Period // the return the row came in
	Row                int             // the row's position in its table
}

// Outcome is one row of an outcomes table.
type Outcome struct {
	CarerID string
	Org     string
	Date    pipeline.Days
	Code    string
	Return  pipeline.Period
	Row     int
}

// Followup is one row of a followups table. Sections 5 and 6 will add the
// soft-outcome and experience answers.
type Followup struct {
	CarerID          string
	Org              string
	Date             pipeline.Days
	Wave             string
	EmploymentStatus string
	Return           pipeline.Period
	Row              int
	// Survey is set for a response that arrived through a survey webhook:
	// Return is then the quarter it was submitted in, and Row its place in
	// that quarter's responses, in the order received.
	Survey bool

	// Sections 5 and 6. A nil pointer or empty string is a missing answer.
	Confidence      *int     // 1-5
	ITSkills        *int     // 1-5
	SWEMWBSMetric   *float64 // metric score of all seven items; nil unless all seven were answered
	TimesSuited     string   // Y, N or U
	StaffUnderstood string   // Y, N or U
	HeardVia        string
}

// Finance is the one row of an organisation's finance return.
type Finance struct {
	Org                 string
	Return              pipeline.Period // the quarter the return is for
	DeliveryCost        float64         // pounds
	FundingSecuredUntil *pipeline.Days  // nil when missing
	Row                 int
}

// Dataset is every row the figures are computed from.
type Dataset struct {
	Carers    []Carer
	Support   []Support
	Outcomes  []Outcome
	Followups []Followup
	Finance   []Finance
}

// Subgroup names the subgroup a figure is for (metrics.md section 9).
type Subgroup struct {
	Dimension string `json:"dimension"`
	Value     string `json:"value"`
}

// Figure is one reported figure, in the JSON shape of metrics.md section 12.
// A nil pointer is a number the figure does not have.
type Figure struct {
	ID          string         `json:"id"`
	Scope       string         `json:"scope"`
	Period      string         `json:"period"`
	Unit        Unit           `json:"unit"`
	Subgroup    *Subgroup      `json:"subgroup,omitempty"`
	Cohort      string         `json:"cohort,omitempty"`
	Numerator   *float64       `json:"numerator,omitempty"`
	Denominator *float64       `json:"denominator,omitempty"`
	Value       *float64       `json:"value,omitempty"`
	CILow       *float64       `json:"ci_low,omitempty"`
	CIHigh      *float64       `json:"ci_high,omitempty"`
	LowerBound  *float64       `json:"lower_bound,omitempty"`
	Counts      map[string]int `json:"counts,omitempty"`
	Suppressed  bool           `json:"suppressed"`
	// Uploads names the uploads (their ids) the figure was computed from,
	// for an organisation's figures in its own report (pipeline/lineage);
	// nil elsewhere.
	Uploads []string `json:"uploads,omitempty"`
}
