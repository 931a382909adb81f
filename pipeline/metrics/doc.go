// Package metrics computes the figures the consortium reports show, as
// metrics.md defines them, from carers, support, outcomes and follow-ups
// already held in memory. It is the domain core of reporting: it knows the
// definitions (profiles, deduplication, windows, cohorts) and nothing about
// where the rows come from, so that the definitions can be checked against
// figures worked out by hand, and an adapter reading the lake's curated
// Parquet only has to hand its rows to an Indexer (or fill a Dataset).
//
// A report computes many scopes and subgroups from the same rows, so the
// rows are first folded into an Index, one record per carer, and every
// figure is a sum over a list of carers (see Index).
//
// Which codes are hard outcomes, which employment statuses are in work and
// how many weeks each follow-up wave lies after registration come from the
// data standard, never from literals here.
//
// Figures keep full float64 precision, in Go and in their JSON: rounding
// (to 4 decimal places for rates) is the job of whatever shows them to
// people, so that two consumers of the JSON never disagree because one
// rounded twice.
package metrics
