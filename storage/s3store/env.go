package s3store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// endpointRegion is the region used with a custom endpoint when nothing
// names one: local servers accept any.
const endpointRegion = "us-east-1"

// LoadAWSConfig is the AWS SDK's configuration as every client of this
// project loads it: credentials and settings from the environment as
// config.LoadDefaultConfig finds them (AWS_REGION, the shared files,
// AWS_REQUEST_CHECKSUM_CALCULATION=when_required for a server that rejects
// the SDK's default checksums, …), region overriding the environment's
// when set. With no region anywhere, local says whether every client talks
// to a server of its own endpoint, which accepts any region, so us-east-1
// is used; otherwise it fails with Invalid. It is the one place the
// functions and s3store configure the SDK.
func LoadAWSConfig(ctx context.Context, region string, local bool) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, pipeline.Errorf(errKind(err), "load AWS config: %w", err)
	}
	if cfg.Region == "" {
		if !local {
			return cfg, pipeline.Errorf(pipeline.Invalid, "no region in the configuration or the environment (AWS_REGION)")
		}
		cfg.Region = endpointRegion
	}
	return cfg, nil
}

// NewClient is an S3 client of cfg at loc.
func NewClient(cfg aws.Config, loc Location) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if loc.Endpoint != "" {
			o.BaseEndpoint = aws.String(loc.Endpoint)
		}
		o.UsePathStyle = loc.PathStyle
	})
}

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
