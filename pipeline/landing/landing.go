// Package landing is the contract between the uploads function, which
// chooses where an organisation's file lands, and the ingest function, which
// reads it: the organisation and quarter of an upload come only from the
// object key, which only the uploads function writes, never from the file or
// from anything the uploader sends.
//
//	landing/org=<ORG>/period=<YYYY-Qn>/<landing-id>/<file name>
package landing

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Prefix is where uploads land.
const Prefix = "landing/"

// Upload is what a landing key says of an upload.
type Upload struct {
	Org    string
	Period pipeline.Period
	ID     string // chosen by the uploads function when it hands out the URL
	File   string // the uploader's file name, made safe
}

var (
	idPattern   = regexp.MustCompile(`^[0-9a-f]{32}$`)
	filePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._()+-]{0,119}\.(csv|xlsx)$`)
)

// Key is where an upload lands.
func Key(u Upload) string {
	return fmt.Sprintf("%sorg=%s/period=%s/%s/%s", Prefix, u.Org, u.Period, u.ID, u.File)
}

// Parse reads a landing key; the organisation code must be one by std's
// rule. An error of kind Invalid means the key was not written by the
// uploads function and must not be ingested.
func Parse(std *standard.Standard, key string) (Upload, error) {
	invalid := func(why string) (Upload, error) {
		return Upload{}, pipeline.Errorf(pipeline.Invalid, "landing key %q: %s", key, why)
	}
	rest, ok := strings.CutPrefix(key, Prefix)
	if !ok {
		return invalid("not under " + Prefix)
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 {
		return invalid("want org=ORG/period=YYYY-Qn/ID/FILE")
	}
	org, ok1 := strings.CutPrefix(parts[0], "org=")
	period, ok2 := strings.CutPrefix(parts[1], "period=")
	if !ok1 || !ok2 {
		return invalid("no organisation and quarter")
	}
	if err := std.ValidOrg(org); err != nil {
		return invalid(err.Error())
	}
	p, err := pipeline.ParsePeriod(period)
	if err != nil {
		return invalid(err.Error())
	}
	if !idPattern.MatchString(parts[2]) {
		return invalid("bad upload id")
	}
	if err := CheckFileName(parts[3]); err != nil {
		return invalid(err.Error())
	}
	return Upload{Org: org, Period: p, ID: parts[2], File: parts[3]}, nil
}

// CheckFileName accepts the file names an upload may have: a .csv or .xlsx
// name of letters, digits, spaces and . _ ( ) + -, at most 120 characters.
func CheckFileName(name string) error {
	if !filePattern.MatchString(name) || strings.Contains(name, "..") {
		return pipeline.Errorf(pipeline.Invalid, "file name %q: use letters, digits, spaces and . _ ( ) + -, ending .csv or .xlsx", name)
	}
	return nil
}

// Record tells the uploads function which upload (the SHA-256 of the bytes)
// a landed file became, and what became of it. The ingest function writes it
// once per landed file.
type Record struct {
	LandingID string           `json:"landing_id"`
	UploadID  string           `json:"upload_id"`
	Org       string           `json:"org"`
	Period    string           `json:"period"`
	File      string           `json:"file"`
	Status    lake.UploadState `json:"status"` // lake.UploadDone or lake.UploadRejected
}

// RecordKey is where, in the lake, the record of a landed file is kept.
func RecordKey(org, landingID string) string {
	return "uploads/" + org + "/landed/" + landingID + ".json"
}
