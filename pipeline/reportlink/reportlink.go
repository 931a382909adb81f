// Package reportlink makes and checks the links that the report e-mails
// carry. A link names a stored report's folder, the time it stops working
// and an HMAC of the two under a key only the report function (which makes
// links) and the links function (which serves them) can read:
//
//	<base>/<expires, Unix seconds>/<signature>/<folder>/<file>
//
// A presigned S3 URL would die with the temporary credentials of the role
// that signed it, hours before the days the e-mail promises; a link of this
// package works until its own expiry, which the link itself says, and any
// file of the folder can be fetched with it, so the report page's relative
// links to its CSVs and figures work too.
package reportlink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// MinKeyBytes is the shortest key accepted.
const MinKeyBytes = 32

// Signer makes and checks links with one key.
type Signer struct {
	key []byte
}

// ParseKey reads a key written as hexadecimal digits (the form the stacks
// generate in Secrets Manager).
func ParseKey(text string) (*Signer, error) {
	b, err := hex.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "read report link key: not hexadecimal")
	}
	if len(b) < MinKeyBytes {
		return nil, pipeline.Errorf(pipeline.Invalid, "read report link key: %d bytes, want at least %d", len(b), MinKeyBytes)
	}
	return &Signer{key: b}, nil
}

func (s *Signer) sign(expires int64, folder string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("report-link v1\n" + strconv.FormatInt(expires, 10) + "\n" + folder))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Path is the path (after the links function's base URL) of file in the
// folder of the reports bucket, working until expires.
func (s *Signer) Path(folder, file string, expires time.Time) string {
	exp := expires.Unix()
	return "/" + strconv.FormatInt(exp, 10) + "/" + s.sign(exp, folder) + "/" + folder + "/" + file
}

// Check reads a link's path and returns the key of the file it asks for.
// An error's kind is Invalid when the path is not a link or its signature
// is wrong, and NotFound when the link has expired.
func (s *Signer) Check(p string, now time.Time) (string, error) {
	parts := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 3)
	if len(parts) != 3 {
		return "", pipeline.Errorf(pipeline.Invalid, "report link: not a link")
	}
	exp, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return "", pipeline.Errorf(pipeline.Invalid, "report link: not a link")
	}
	key := parts[2]
	folder, file := path.Split(key)
	folder = strings.TrimSuffix(folder, "/")
	if file == "" || folder == "" || path.Clean(key) != key || strings.HasPrefix(key, "/") || strings.Contains(key, "..") {
		return "", pipeline.Errorf(pipeline.Invalid, "report link: not a file of a report")
	}
	if !hmac.Equal([]byte(parts[1]), []byte(s.sign(exp, folder))) {
		return "", pipeline.Errorf(pipeline.Invalid, "report link: the signature does not match")
	}
	if !now.Before(time.Unix(exp, 0)) {
		return "", pipeline.Errorf(pipeline.NotFound, "report link: expired at %s", time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	return key, nil
}
