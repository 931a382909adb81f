// Package pseudonym turns an organisation's own reference for a carer into
// the consortium-wide pseudonym the lake stores, exactly as the data standard
// says: carer_id = HMAC-SHA256(key, org + ":" + client_ref), lowercase base32
// without padding, first 26 characters. The key is a secret of the
// consortium; this package never logs or returns it.
package pseudonym

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// MinKeyBytes is the shortest key accepted: 256 bits, the size of the hash.
const MinKeyBytes = 32

// Length is the number of characters in a carer_id.
const Length = 26

var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Key is the consortium's pseudonymisation key.
type Key struct {
	secret []byte
}

// String hides the key from logs and error messages.
func (Key) String() string { return "pseudonym.Key(redacted)" }

// GoString hides the key from %#v.
func (Key) GoString() string { return "pseudonym.Key(redacted)" }

// ParseKey reads a key written as base64 or hex text (surrounding white
// space ignored), as a key file or a secret holds it.
func ParseKey(text []byte) (Key, error) {
	s := strings.TrimSpace(string(text))
	var b []byte
	var err error
	if b, err = hex.DecodeString(s); err != nil {
		if b, err = base64.StdEncoding.DecodeString(s); err != nil {
			return Key{}, pipeline.Errorf(pipeline.Invalid, "read pseudonymisation key: not base64 or hex text")
		}
	}
	if len(b) < MinKeyBytes {
		return Key{}, pipeline.Errorf(pipeline.Invalid, "read pseudonymisation key: %d bytes, want at least %d", len(b), MinKeyBytes)
	}
	return Key{secret: b}, nil
}

// LoadKey reads a key file.
func LoadKey(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, pipeline.Errorf(pipeline.Invalid, "read pseudonymisation key: %w", err)
	}
	k, err := ParseKey(b)
	if err != nil {
		return Key{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// Hasher computes carer_ids for one organisation. It reuses its HMAC state,
// so it is not safe for concurrent use; make one per goroutine.
type Hasher struct {
	mac    hash.Hash
	prefix []byte
	sum    []byte
	out    [52]byte
	last   []byte // the client reference out was computed for
	valid  bool
}

// For returns a Hasher for an organisation's client references. It fails
// only for a Key that did not come from ParseKey or LoadKey.
func (k Key) For(org string) (*Hasher, error) {
	if len(k.secret) == 0 {
		return nil, pipeline.Errorf(pipeline.Internal, "pseudonymise: no key loaded")
	}
	return &Hasher{mac: hmac.New(sha256.New, k.secret), prefix: []byte(org + ":")}, nil
}

// CarerID returns the pseudonym of a client reference. The result is valid
// until the next call. Validation and the Parquet writer ask for the same
// reference one after the other, so the last answer is kept.
func (h *Hasher) CarerID(clientRef []byte) []byte {
	if h.valid && bytes.Equal(clientRef, h.last) {
		return h.out[:Length]
	}
	h.last = append(h.last[:0], clientRef...)
	h.valid = true
	h.mac.Reset()
	h.mac.Write(h.prefix)
	h.mac.Write(clientRef)
	h.sum = h.mac.Sum(h.sum[:0])
	encoding.Encode(h.out[:], h.sum)
	b := h.out[:Length]
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// Loaded reports whether the key holds a secret (the zero Key does not).
func (k Key) Loaded() bool { return len(k.secret) > 0 }

// erasureLabel derives the key of erasure records from the consortium's
// key, so that a record's id is not the carer's pseudonym nor computable
// from it without the key.
const erasureLabel = "carer-outcomes erasure record v1"

// ErasureID is the id under which the erasure of one carer of an
// organisation is recorded: HMAC-SHA256, under a key derived from the
// consortium's key, of the organisation and the carer's pseudonym, in
// lowercase hex. It is a keyed hash of the pseudonym, not the pseudonym:
// the erasure register does not itself re-identify the carer, yet the
// ingest, which holds the key, can tell a later row of the same carer.
func (k Key) ErasureID(org, carerID string) (string, error) {
	if len(k.secret) == 0 {
		return "", pipeline.Errorf(pipeline.Internal, "erasure id: no key loaded")
	}
	d := hmac.New(sha256.New, k.secret)
	d.Write([]byte(erasureLabel))
	m := hmac.New(sha256.New, d.Sum(nil))
	m.Write([]byte(org + ":" + carerID))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// Valid reports whether b has the form of a carer_id: Length characters of
// lowercase base32.
func Valid(b []byte) bool {
	if len(b) != Length {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
