// Package functest runs a Lambda function's bootstrap the way the function
// tests need it: against versitygw on 127.0.0.1 (storage/s3store/s3server)
// holding the function's buckets, through the Runtime API of
// internal/lambdatest, with the S3 settings every function reads already in
// its environment. A test then states only what is its own: the buckets,
// the function's package and that function's settings.
package functest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/internal/lambdatest"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store/s3server"
)

// S3 is a local S3 server and a client for it. The server is embedded so
// that a test can Stop and Restart it to play an outage.
type S3 struct {
	*s3server.Server
	Client *s3.Client
}

// StartS3 starts a server holding the given empty buckets; it stops when
// the test ends.
func StartS3(tb testing.TB, buckets ...string) *S3 {
	tb.Helper()
	srv := s3server.Start(tb)
	for _, b := range buckets {
		srv.CreateBucket(tb, b)
	}
	return &S3{Server: srv, Client: srv.Client(tb)}
}

// Function is a function's bootstrap running against its own Runtime API.
type Function struct {
	Runtime *lambdatest.Runtime
	Process *lambdatest.Process
}

// Run builds the function's main package (such as
// "github.com/carer-outcomes/carer-outcomes/functions/ingest") and runs it
// against s with env (KEY=value) added to the server's credentials, region,
// S3_ENDPOINT and S3_PATH_STYLE. The function stops when the test ends.
func (s *S3) Run(tb testing.TB, pkg string, env ...string) *Function {
	tb.Helper()
	return s.RunVia(tb, s.Endpoint, pkg, env...)
}

// RunVia is Run with the function reaching S3 at endpoint rather than at
// the server itself, for a proxy in front of the server that injects
// faults; the credentials are still the server's, since the proxy passes
// requests through as they were signed.
func (s *S3) RunVia(tb testing.TB, endpoint, pkg string, env ...string) *Function {
	tb.Helper()
	return s.start(tb, lambdatest.Build(tb, pkg), endpoint, env)
}

// RunMany is Run for n instances of one function, each with its own
// Runtime API, as Lambda runs concurrent invocations: invoking them at once
// makes the function race itself. The binary is built once.
func (s *S3) RunMany(tb testing.TB, n int, pkg string, env ...string) []*Function {
	tb.Helper()
	bin := lambdatest.Build(tb, pkg)
	fns := make([]*Function, n)
	for i := range fns {
		fns[i] = s.start(tb, bin, s.Endpoint, env)
	}
	return fns
}

func (s *S3) start(tb testing.TB, bin, endpoint string, env []string) *Function {
	tb.Helper()
	rt := lambdatest.Start(tb)
	all := append([]string{
		"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey, "AWS_REGION=" + s.Region,
		"S3_ENDPOINT=" + endpoint, "S3_PATH_STYLE=true",
	}, env...)
	return &Function{Runtime: rt, Process: rt.Run(tb, bin, all...)}
}
