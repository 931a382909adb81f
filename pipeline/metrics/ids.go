package metrics

import (
	"slices"
	"strconv"
	"strings"
)

// This file is the one declared list of the report's figure ids and units.
// Every package that names a figure (this one, reportpage, the report
// function) names it with these constants and functions, never with a
// string of its own; docs/report.md's table of ids is Defs written out, and
// a test fails when either drifts.

// Unit is how a figure's numbers read (metrics.md section 12).
type Unit string

// The units of metrics.md section 12.
const (
	// UnitCount is a number (of carers, contacts, minutes, months) in Value.
	UnitCount Unit = "count"
	// UnitRate is Numerator out of Denominator in Value, with its interval.
	UnitRate Unit = "rate"
	// UnitMeanChange is a mean in Value over Denominator pairs, with its
	// interval.
	UnitMeanChange Unit = "mean_change"
	// UnitGBP is pounds in Value; a cost per unit has the cost in Numerator
	// and the units in Denominator.
	UnitGBP Unit = "gbp"
	// UnitRatio is Numerator over Denominator in Value.
	UnitRatio Unit = "ratio"
	// UnitDifference is the difference of two rates in Value, with its
	// interval.
	UnitDifference Unit = "difference"
)

// Figure ids. An id with a code of the standard in it (outcomes.quarter.
// <OUTCOME>, followup.response.<WAVE>, …) is made by ID from its family's
// prefix, declared here too.
const (
	ReachRegistered           = "reach.registered"
	ReachRegisteredCumulative = "reach.registered_cumulative"
	ReachSupported            = "reach.supported"
	// SupportContacts and SupportMinutes are also the prefixes of the
	// breakdowns support.contacts.<COLUMN>.<CODE>.
	SupportContacts           = "support.contacts"
	SupportMinutes            = "support.minutes"
	SupportOutsideOfficeHours = "support.outside_office_hours"

	// OutcomesQuarter is the prefix of outcomes.quarter.<OUTCOME>, one per
	// hard outcome code, and of OutcomesAnyHard.
	OutcomesQuarter = "outcomes.quarter"
	OutcomesAnyHard = OutcomesQuarter + ".any_hard"
	// HardOutcomeRate is the prefix of the cohort rates
	// hard_outcome_rate.w<N>.
	HardOutcomeRate = "hard_outcome_rate"

	// SustainedStarts and SustainedKept are the prefixes of
	// sustained.starts.w<N> and sustained.kept.w<N>.
	SustainedStarts    = "sustained.starts"
	SustainedKept      = "sustained.kept"
	SustainedStartsW26 = SustainedStarts + ".w26"
	SustainedKeptW26   = SustainedKept + ".w26"

	// FollowupResponse is the prefix of followup.response.<WAVE>.
	FollowupResponse = "followup.response"

	SoftConfidenceChange = "soft.confidence.change"
	SoftITSkillsChange   = "soft.it_skills.change"
	SoftSWEMWBSChange    = "soft.swemwbs.change"
	SoftSWEMWBSImproved  = "soft.swemwbs.improved"

	ExperienceTimesSuited     = "experience.times_suited"
	ExperienceStaffUnderstood = "experience.staff_understood"
	// Referral is the prefix of referral.<GROUP>.
	Referral = "referral"

	CostPerCarerSupported  = "cost.per_carer_supported"
	CostPerHardOutcome     = "cost.per_hard_outcome"
	CostPerSustainedJobW26 = "cost.per_sustained_job_w26"
	FundingRunwayMonths    = "funding.runway_months"
	SavingsGross           = "savings.gross"
	// SavingsNet is the prefix of savings.net.<low|central|high>.
	SavingsNet          = "savings.net"
	SavingsRatioCentral = "savings.ratio.central"

	// PersonalBudget is the prefix of personal_budget.<GROUP>.rate and
	// personal_budget.<GROUP>.difference (PersonalBudgetRate,
	// PersonalBudgetDifference).
	PersonalBudget = "personal_budget"
)

// Suffixes of the personal-budget ids.
const (
	personalBudgetRate       = "rate"
	personalBudgetDifference = "difference"
)

// ID is the id of a figure of a family: its prefix and the codes that
// follow it, joined by dots, such as ID(OutcomesQuarter, "STARTED_WORK").
func ID(prefix string, parts ...string) string {
	return strings.Join(append([]string{prefix}, parts...), ".")
}

// Weeks is a check point in an id, such as "w26".
func Weeks(n int) string { return "w" + strconv.Itoa(n) }

// CohortWeeks are the check points of the cohort rates
// hard_outcome_rate.w<N>, in order.
func CohortWeeks() []int { return cohortWeeks() }

// SustainedWeeks are the check points of sustained.starts.w<N> and
// sustained.kept.w<N>, in order.
func SustainedWeeks() []int { return sustainedWeeks() }

// PersonalBudgetRate is the id of a personal-budget group's rate.
func PersonalBudgetRate(group string) string {
	return ID(PersonalBudget, group, personalBudgetRate)
}

// PersonalBudgetDifference is the id of a personal-budget group's
// difference from the group without one.
func PersonalBudgetDifference(group string) string {
	return ID(PersonalBudget, group, personalBudgetDifference)
}

// Keys of Figure.Counts of a sustainment rate (metrics.md section 3): the
// outcomes due at the check point, and how many of them were sustained, not
// sustained and unknown.
const (
	CountDue          = "due"
	CountSustained    = "sustained"
	CountNotSustained = "not_sustained"
	CountUnknown      = "unknown"
)

// Counts keys of a personal-budget difference (metrics.md section 8): the
// numerators and denominators of the two groups compared, so that Suppress
// can apply section 10's rule for differences, which looks at both groups.
// Group 1 is the personal-budget group the figure is for (CARER, CARED_FOR
// or BOTH); group 2 is the group it is compared with (NONE). The numerator
// is the group's carers with a hard outcome at 52 weeks, the denominator
// the group's members.
const (
	CountNumerator1   = "numerator_1"
	CountDenominator1 = "denominator_1"
	CountNumerator2   = "numerator_2"
	CountDenominator2 = "denominator_2"
)

// Def declares one figure id, or one family of ids, of the report.
type Def struct {
	// ID is the figure's id; a family's has each code that varies in
	// angle brackets, as metrics.md writes it: "outcomes.quarter.<OUTCOME>".
	ID   string
	Unit Unit
	// Section is the section of metrics.md that defines the figure.
	Section int
	// Cohort says there is one figure per registration cohort.
	Cohort bool
	// Subgroups says the figure is also given for each subgroup (section 9).
	Subgroups bool
}

// Defs is every figure a report computes, in the order the figures come.
func Defs() []Def {
	defs := []Def{
		{ID: ReachRegistered, Unit: UnitCount, Section: 1, Subgroups: true},
		{ID: ReachRegisteredCumulative, Unit: UnitCount, Section: 1},
		{ID: ReachSupported, Unit: UnitCount, Section: 1, Subgroups: true},
		{ID: SupportContacts, Unit: UnitCount, Section: 1},
		{ID: SupportMinutes, Unit: UnitCount, Section: 1},
		{ID: SupportOutsideOfficeHours, Unit: UnitRate, Section: 1},
		{ID: ID(SupportContacts, "<COLUMN>", "<CODE>"), Unit: UnitCount, Section: 1},
		{ID: ID(SupportMinutes, "<COLUMN>", "<CODE>"), Unit: UnitCount, Section: 1},
		{ID: ID(OutcomesQuarter, "<OUTCOME>"), Unit: UnitCount, Section: 2},
		{ID: OutcomesAnyHard, Unit: UnitCount, Section: 2, Subgroups: true},
	}
	for _, n := range cohortWeeks() {
		defs = append(defs, Def{ID: ID(HardOutcomeRate, Weeks(n)), Unit: UnitRate, Section: 2, Cohort: true})
	}
	for _, kind := range jobKinds() {
		for _, n := range sustainedWeeks() {
			id := ID(kind, Weeks(n))
			defs = append(defs, Def{ID: id, Unit: UnitRate, Section: 3, Subgroups: slices.Contains(subgroupIDs(), id)})
		}
	}
	return append(defs,
		Def{ID: ID(FollowupResponse, "<WAVE>"), Unit: UnitRate, Section: 4},
		Def{ID: SoftConfidenceChange, Unit: UnitMeanChange, Section: 5},
		Def{ID: SoftITSkillsChange, Unit: UnitMeanChange, Section: 5},
		Def{ID: SoftSWEMWBSChange, Unit: UnitMeanChange, Section: 5},
		Def{ID: SoftSWEMWBSImproved, Unit: UnitRate, Section: 5},
		Def{ID: ExperienceTimesSuited, Unit: UnitRate, Section: 6},
		Def{ID: ExperienceStaffUnderstood, Unit: UnitRate, Section: 6},
		Def{ID: ID(Referral, "<GROUP>"), Unit: UnitRate, Section: 6},
		Def{ID: CostPerCarerSupported, Unit: UnitGBP, Section: 7},
		Def{ID: CostPerHardOutcome, Unit: UnitGBP, Section: 7},
		Def{ID: CostPerSustainedJobW26, Unit: UnitGBP, Section: 7},
		Def{ID: SavingsGross, Unit: UnitGBP, Section: 7},
		Def{ID: ID(SavingsNet, "<ASSUMPTION>"), Unit: UnitGBP, Section: 7},
		Def{ID: SavingsRatioCentral, Unit: UnitRatio, Section: 7},
		Def{ID: FundingRunwayMonths, Unit: UnitCount, Section: 7},
		Def{ID: PersonalBudgetRate("<GROUP>"), Unit: UnitRate, Section: 8},
		Def{ID: PersonalBudgetDifference("<GROUP>"), Unit: UnitDifference, Section: 8},
	)
}

// subgroupIDs are the figures given for each subgroup (section 9): who is
// reached, who reaches a hard outcome, and whether jobs last. Every other
// figure is given for the whole consortium or organisation only.
func subgroupIDs() []string {
	return []string{ReachRegistered, ReachSupported, OutcomesAnyHard, SustainedStartsW26, SustainedKeptW26}
}
