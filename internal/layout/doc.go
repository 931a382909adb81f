// Package layout has no code of its own: its tests hold the import rules
// that docs/architecture.md states, so that a change breaking one fails
// `make test`. The domain (pipeline/...) imports no AWS module; only
// pipeline/lake names keys under curated/, current/ and ledger/; and no
// Lambda binary (functions/...) links DuckDB or any other cgo package, since
// the functions are built with CGO_ENABLED=0 for provided.al2023.
package layout
