package s3store

import (
	"fmt"
	"strconv"
)

// Location says where S3 is: AWS when Endpoint is empty, else an
// S3-compatible server (versitygw in the tests), usually path-style.
type Location struct {
	Endpoint  string // S3_ENDPOINT
	PathStyle bool   // S3_PATH_STYLE
}

// LocationFromEnv reads S3_ENDPOINT and S3_PATH_STYLE, the settings every
// function reads the same way.
func LocationFromEnv(getenv func(string) string) (Location, error) {
	l := Location{Endpoint: getenv("S3_ENDPOINT")}
	if s := getenv("S3_PATH_STYLE"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return l, fmt.Errorf("S3_PATH_STYLE %q: want true or false", s)
		}
		l.PathStyle = b
	}
	return l, nil
}
