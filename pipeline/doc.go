// Package pipeline is the domain core of carer-outcomes: the vocabulary shared
// by every adapter (quarters, organisation codes, the error kinds that each
// edge maps to its own terms). Subpackages hold the domain logic: the data
// standard as code (standard), the readers of returns (tabular), validation
// (validate), and what is derived from the standard (template, dictionary).
//
// Nothing here imports AWS or Lambda: those are adapters beside the core.
package pipeline
