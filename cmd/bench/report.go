package main

import "errors"

// report compares `outcomes report` over the 50 × 40 benchmark lake with
// DuckDB computing the same headline counts through the analysts' views.
func (b *bench) report() error {
	return errors.New("not wired yet")
}
