// Package pipeline is the domain core of carer-outcomes: the vocabulary
// shared by every adapter (quarters as Period with Compare, Prev and Next,
// days as Days, and the error kinds, ErrorKind with Errorf and KindOf, that
// each edge maps to its own terms in one table).
//
// Its subpackages hold the domain logic, in the order a return and a report
// pass through them (docs/architecture.md follows one of each):
//
//   - standard: the data standard of schemas/ as typed rules (columns,
//     codes, the organisation-code pattern).
//   - consortium: a consortium's configuration (members, lead, schedule).
//   - landing: the landing key of an uploaded file, the contract between the
//     uploads and ingest functions.
//   - tabular: the CSV and .xlsx readers; parse: dates, numbers and money;
//     formula: neutralising spreadsheet formulas; pseudonym: carer_id.
//   - validate: the checks of a return and the uploader's report.
//   - curated: the Parquet tables; lake: the lake's layout, pointers,
//     ingest log, commit protocol and the storage interface (lake.Store);
//     ingest: a return into the lake.
//   - surveys: follow-up survey responses from the survey tools: each
//     tool's payload, the versioned mapping to followups, the consumer that
//     validates, de-duplicates, holds and writes them, compaction, and the
//     due list (docs/surveys.md).
//   - metrics: every figure of the metrics definitions, its id and unit
//     (metrics/ids.go), suppression and data quality; metrics/lakedata reads
//     them from the lake; stats: the intervals.
//   - quarterly: a quarter's reports from the lake; reportpage: a report as
//     HTML, figures.json and CSV; pagestyle: the pages' shared stylesheet.
//   - lineage: an organisation's figures traced to the rows of its returns
//     (metrics.Explainer); erasure: a carer removed from the lake at their
//     request.
//   - returns: where an organisation's return for a quarter stands, kind by
//     kind, and its upload history, for the web pages and the uploads API.
//   - template and dictionary: the return templates and the data
//     dictionary, derived from the standard.
//   - synth: the seeded sample consortium of the demo and the benchmarks.
//
// Nothing here imports AWS or Lambda (internal/layout's tests check it):
// those are adapters beside the core, in storage/, web/ and functions/.
package pipeline
