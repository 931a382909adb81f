package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
)

// registry answers for the carers an organisation registered in uploads
// already in the lake. The lake knows carers only by pseudonym, so a client
// reference is pseudonymised before it is looked up. Pseudonyms are keyed by
// their first 60 bits: a lookup in a map of many thousand carers runs for
// every row, and a 64-bit key is cheaper than a 26-byte string (two carers
// of one organisation sharing 60 bits is a chance of about 1 in 10^7 even
// for a million carers).
type registry struct {
	hasher *pseudonym.Hasher
	carers map[uint64]pipeline.Days
}

func (r *registry) Registered(ref []byte) (pipeline.Days, bool) {
	d, ok := r.carers[pseudonymKey(r.hasher.CarerID(ref))]
	return d, ok
}

// pseudonymKey reads the first 12 base32 characters of a carer_id.
func pseudonymKey(id []byte) uint64 {
	var k uint64
	for _, c := range id[:12] {
		var v byte
		switch {
		case c >= 'a' && c <= 'z':
			v = c - 'a'
		case c >= '2' && c <= '7':
			v = c - '2' + 26
		}
		k = k<<5 | uint64(v)
	}
	return k
}

func loadRegistry(ctx context.Context, l *lake.Lake, org string, h *pseudonym.Hasher) (*registry, error) {
	r := &registry{hasher: h, carers: map[uint64]pipeline.Days{}}
	ptrs, err := l.Pointers(ctx, "carers", org)
	if err != nil {
		return nil, err
	}
	for _, p := range ptrs {
		if err := scanCarers(ctx, l, p, r.carers); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func scanCarers(ctx context.Context, l *lake.Lake, p lake.Pointer, into map[uint64]pipeline.Days) error {
	key := p.Key
	rc, obj, err := l.Open(ctx, p)
	if err != nil {
		return fmt.Errorf("read carers: %w", err)
	}
	defer rc.Close()
	ra, ok := rc.(io.ReaderAt)
	if !ok {
		b, err := io.ReadAll(rc)
		if err != nil {
			return pipeline.Errorf(pipeline.Transient, "read carers %s: %w", key, err)
		}
		ra = bytes.NewReader(b)
	}
	return curated.ScanCarers(ra, obj.Size, func(id string, reg pipeline.Days) error {
		if len(id) != pseudonym.Length {
			return pipeline.Errorf(pipeline.Internal, "read carers %s: carer_id %d characters long", key, len(id))
		}
		k := pseudonymKey([]byte(id))
		if old, ok := into[k]; !ok || reg < old {
			into[k] = reg
		}
		return nil
	})
}
