package validate

import "github.com/carer-outcomes/carer-outcomes/pipeline"

// Carers is a set of registered carers, client reference → earliest
// registration date. It is a Registry, and a Sink that fills itself from the
// accepted rows of carers tables, so that earlier returns can vouch for the
// carers a later return refers to.
type Carers map[string]pipeline.Days

// Registered implements Registry.
func (c Carers) Registered(ref []byte) (pipeline.Days, bool) {
	d, ok := c[string(ref)]
	return d, ok
}

// Table implements Sink: carers tables are collected, others are skipped.
func (c Carers) Table(info TableInfo) (TableSink, error) {
	s := &carerSink{set: c, pending: map[string]pipeline.Days{}}
	if info.Kind.Name == "carers" {
		s.ref = info.Kind.Field("client_ref").Index
		s.reg = info.Kind.Field("registration_date").Index
		s.carers = true
	}
	return s, nil
}

type carerSink struct {
	set      Carers
	pending  map[string]pipeline.Days
	carers   bool
	ref, reg int
}

func (s *carerSink) Row(r *Record) error {
	if !s.carers {
		return nil
	}
	ref, d := string(r.Values[s.ref].Text), pipeline.Days(r.Values[s.reg].Int)
	if old, ok := s.pending[ref]; !ok || d < old {
		s.pending[ref] = d
	}
	return nil
}

func (s *carerSink) Commit() error {
	for ref, d := range s.pending {
		if old, ok := s.set[ref]; !ok || d < old {
			s.set[ref] = d
		}
	}
	return nil
}

func (s *carerSink) Abort() { s.pending = nil }
