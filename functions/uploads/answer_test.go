package main

import (
	"net/http"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// TestAnswer_Kinds checks the one kind→status table: every kind of the
// vocabulary has its status, and a refusal (no organisation, not the lead)
// is a told 403.
func TestAnswer_Kinds(t *testing.T) {
	want := map[pipeline.ErrorKind]int{
		pipeline.Invalid:   http.StatusBadRequest,
		pipeline.NotFound:  http.StatusNotFound,
		pipeline.Forbidden: http.StatusForbidden,
		pipeline.Conflict:  http.StatusConflict,
		pipeline.Transient: http.StatusServiceUnavailable,
		pipeline.Internal:  http.StatusInternalServerError,
	}
	for kind, status := range want {
		t.Run(kind.String(), func(t *testing.T) {
			a, ok := answer[kind]
			if !ok || a.status != status {
				t.Errorf("%s answers %d (mapped %v), want %d", kind, a.status, ok, status)
			}
		})
	}
	if len(answer) != len(want) {
		t.Errorf("%d kinds mapped, want %d", len(answer), len(want))
	}
	if k := pipeline.KindOf(refused("x")); k != pipeline.Forbidden || !answer[k].tell {
		t.Errorf("a refusal is %s, told %v: want forbidden, told", k, answer[k].tell)
	}
}
