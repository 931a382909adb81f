// Package s3store keeps the lake in an S3 bucket, so the pipeline runs in
// AWS (the ingest Lambda, the reporting jobs) with the same guarantees it has
// on a laptop with storage/fsstore. It implements lake.Store on the S3 API
// and passes the same conformance suite (storage/storetest), run against a
// real S3-compatible server (versitygw, see s3server).
//
// # Keys
//
// A lake key maps to the S3 key Prefix + "/" + key (or key alone with no
// Prefix), so several lakes may share a bucket. Keys are validated by the
// rule both drivers share, lake.CheckKey and lake.Reserved, so that a lake
// can move between a folder and a bucket and a key one store accepts the
// other accepts too: a key is invalid (Invalid) if it is empty, over 1024
// bytes, has a NUL byte, an empty, "." or ".." segment (so no leading,
// trailing or double slash), a segment over 255 bytes, or starts with the
// segment ".tmp" or ".locks" (fsstore's own folders). A List prefix is
// checked as fsstore checks it: the part before its last slash must be a
// valid key. One rule is S3's own: with a Prefix, the whole S3 key must
// still fit in 1024 bytes.
//
// List shows only objects whose keys are valid lake keys: objects written
// into the bucket by other means under names the lake would refuse (a
// console's "folder/" markers, "a//b") are left out, as fsstore cannot have
// them.
//
// # Writes
//
// Put is a single PutObject, which S3 applies whole or not at all: readers
// see the old content or the new, never a part. The lake's files are at most
// tens of MB, well under PutObject's 5 GB limit, so there are no multipart
// uploads and nothing half-uploaded to clean up. Put sends exactly size
// bytes with that Content-Length and checks the body's length before it
// sends anything: a body shorter or longer than size fails with Invalid and
// writes nothing.
//
// The SDK needs a body it can rewind, to sign it (SigV4 hashes the payload
// over plain HTTP) and to retry. A body that has ReadAt and Seek (an
// *os.File of a regular file, a *bytes.Reader, a *strings.Reader) is sent
// as it is, from its current offset; any other io.Reader is first copied to
// memory if size is at most 1 MiB, or else to a temporary file in
// os.TempDir(), which is unlinked as soon as it is created (on Unix), so
// nothing is left behind even by a crash. The temporary folder must
// therefore have room for the largest object (AWS Lambda's /tmp has 512 MB
// by default).
//
// Conditions are S3's conditional writes: Condition.IfAbsent sends
// If-None-Match: *, Condition.IfMatch sends If-Match: <etag>. A failed
// precondition (412 PreconditionFailed, or 409 ConditionalRequestConflict
// when a concurrent conditional write to the key is under way) is a
// Conflict; If-Match on a missing key is NotFound (S3 answers 404). A
// conditional Put is sent once, never retried by the SDK: a retry of a write
// whose answer was lost would see its own write and report a Conflict that
// did not happen. So a Transient error from a conditional Put means the
// outcome is unknown: the write may have happened, and a caller that
// retries must be ready to find its own content in place.
//
// # ETags and times
//
// ETags are S3's, always in their quoted form ("\"<md5>\""), identical
// from Put, Get, Stat and List, and passed back as they are in If-Match.
// Modified is S3's LastModified: to the second from Get and Stat, to the
// millisecond from List; from Put it is the time the server put in its
// answer's Date header (to the second), which is when S3 took the write.
//
// # Reading
//
// Get returns the response body: it has no ReadAt or Seek, so a caller
// that needs them (Parquet readers) must copy the object first. An error
// while reading the body is Transient: a new Get may succeed.
//
// # Errors
//
// Errors carry pipeline kinds:
//
//   - Invalid: a bad key or prefix (above), a negative size, a body shorter
//     or longer than size, both conditions at once; S3 refusing a key as too
//     long, or (on posix-backed servers) a key that is a folder of other
//     objects or runs through an object.
//   - NotFound: NoSuchKey, NotFound, or any other 404 (Put with IfMatch on
//     a missing key included).
//   - Conflict: 412 PreconditionFailed and 409 ConditionalRequestConflict.
//   - Transient: a cancelled or expired context; throttling (SlowDown, 429
//     and the SDK's other throttling codes), 5xx, RequestTimeout,
//     OperationAborted; timeouts, refused and reset connections and any
//     other failure to send a request or read its answer. The SDK has
//     already retried these (three attempts by default, with the client's
//     retryer) before a call returns them, except for conditional Puts,
//     which it sends once (above).
//   - Internal: everything else: access denied, bad credentials, a missing
//     bucket, a request S3 calls malformed. Retrying will not help.
//
// An error reading the body given to Put keeps its own kind, as in fsstore.
package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
)

const (
	// spoolInMemory is the largest unseekable body Put copies to memory
	// rather than to a temporary file.
	spoolInMemory = 1 << 20
)

// Config says which bucket, and how to reach it.
type Config struct {
	// Bucket holds the lake.
	Bucket string
	// Prefix is optional: keys are stored under Prefix + "/" + key. A
	// trailing slash is ignored.
	Prefix string
	// Endpoint is optional: the URL of an S3-compatible server, such as
	// "http://127.0.0.1:7070". Empty means AWS.
	Endpoint string
	// Region is the bucket's region; empty takes it from the environment
	// (AWS_REGION, the shared config file), or "us-east-1" with an Endpoint.
	Region string
	// PathStyle addresses the bucket in the path (http://host/bucket/key)
	// rather than the host name, as local servers need.
	PathStyle bool
}

// Store is a lake.Store on an S3 bucket. It holds no state besides the
// client, so any number of Store values, in any number of processes, may
// share a bucket and prefix. It is safe for concurrent use.
type Store struct {
	client *s3.Client
	bucket string
	prefix string // "" or the Prefix with one trailing slash
	err    error  // a bad configuration, returned by every call
}

// New opens the store described by cfg, with credentials and other
// settings from the environment as LoadAWSConfig loads them. It fails with
// Invalid for a bad configuration. It makes no request.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, pipeline.Errorf(pipeline.Invalid, "open store: no bucket")
	}
	prefix, err := storePrefix(cfg.Prefix)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "open store s3://%s: %w", cfg.Bucket, err)
	}
	awsCfg, err := LoadAWSConfig(ctx, cfg.Region, cfg.Endpoint != "")
	if err != nil {
		return nil, fmt.Errorf("open store s3://%s: %w", cfg.Bucket, err)
	}
	client := NewClient(awsCfg, Location{Endpoint: cfg.Endpoint, PathStyle: cfg.PathStyle})
	return &Store{client: client, bucket: cfg.Bucket, prefix: prefix}, nil
}

// NewFromClient returns a store on bucket, under prefix ("" for none),
// using client as it is configured. A bad bucket or prefix is reported,
// with Invalid, by every call on the store.
func NewFromClient(client *s3.Client, bucket, prefix string) *Store {
	s := &Store{client: client, bucket: bucket}
	switch p, err := storePrefix(prefix); {
	case client == nil:
		s.err = pipeline.Errorf(pipeline.Invalid, "open store s3://%s: no client", bucket)
	case bucket == "":
		s.err = pipeline.Errorf(pipeline.Invalid, "open store: no bucket")
	case err != nil:
		s.err = pipeline.Errorf(pipeline.Invalid, "open store s3://%s: %w", bucket, err)
	default:
		s.prefix = p
	}
	return s
}

// Err is the configuration error every call on the store reports, or nil:
// a caller that builds a store with NewFromClient checks it at start-up.
func (s *Store) Err() error { return s.err }

// storePrefix checks a Config.Prefix and returns it with a trailing slash.
func storePrefix(prefix string) (string, error) {
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix == "" {
		return "", nil
	}
	if err := lake.CheckKey(prefix); err != nil {
		return "", fmt.Errorf("prefix %q: %w", prefix, err)
	}
	return prefix + "/", nil
}

// s3Key returns the S3 key of a (valid) lake key.
func (s *Store) s3Key(key string) string { return s.prefix + key }

// Get opens an object for reading. The io.ReadCloser is the response body:
// it must be closed, and cannot seek.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, lake.Object, error) {
	if err := s.check(ctx, "get", key); err != nil {
		return nil, lake.Object{}, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.s3Key(key)),
	})
	if err != nil {
		return nil, lake.Object{}, pipeline.Errorf(errKind(err), "get %q: %w", key, err)
	}
	obj := lake.Object{
		Key:      key,
		Size:     aws.ToInt64(out.ContentLength),
		ETag:     quoted(aws.ToString(out.ETag)),
		Modified: aws.ToTime(out.LastModified),
	}
	return &body{rc: out.Body, key: key}, obj, nil
}

// body is a Get's response body: read errors are Transient.
type body struct {
	rc  io.ReadCloser
	key string
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = pipeline.Errorf(pipeline.Transient, "read %q: %w", b.key, err)
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }

// Stat returns an object's attributes (HeadObject).
func (s *Store) Stat(ctx context.Context, key string) (lake.Object, error) {
	if err := s.check(ctx, "stat", key); err != nil {
		return lake.Object{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.s3Key(key)),
	})
	if err != nil {
		return lake.Object{}, pipeline.Errorf(errKind(err), "stat %q: %w", key, err)
	}
	return lake.Object{
		Key:      key,
		Size:     aws.ToInt64(out.ContentLength),
		ETag:     quoted(aws.ToString(out.ETag)),
		Modified: aws.ToTime(out.LastModified),
	}, nil
}

// List returns the objects whose keys start with prefix, in key order. The
// prefix is a plain string prefix, as in S3: "curated/car" matches
// "curated/carers/x" and "curated/cars.json".
func (s *Store) List(ctx context.Context, prefix string) ([]lake.Object, error) {
	if s.err != nil {
		return nil, s.err
	}
	if err := ctx.Err(); err != nil {
		return nil, pipeline.Errorf(pipeline.Transient, "list %q: %w", prefix, err)
	}
	// As fsstore: the prefix up to its last slash must be a valid key, and
	// nothing is under the reserved folders.
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir := prefix[:i]
		if lake.Reserved(dir) {
			return nil, nil
		}
		if err := lake.CheckKey(dir); err != nil {
			return nil, pipeline.Errorf(pipeline.Invalid, "list %q: %w", prefix, err)
		}
	}
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(s.s3Key(prefix)),
		// XML cannot carry every byte a key may hold; servers that honour
		// this say so in the answer, and only then are keys decoded.
		EncodingType: types.EncodingTypeUrl,
	})
	var out []lake.Object
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, pipeline.Errorf(errKind(err), "list %q: %w", prefix, err)
		}
		for _, o := range page.Contents {
			name := aws.ToString(o.Key)
			if page.EncodingType == types.EncodingTypeUrl {
				if name, err = url.QueryUnescape(name); err != nil {
					return nil, pipeline.Errorf(pipeline.Internal, "list %q: decode key %q: %w", prefix, aws.ToString(o.Key), err)
				}
			}
			key, ok := strings.CutPrefix(name, s.prefix)
			if !ok || !strings.HasPrefix(key, prefix) || lake.CheckKey(key) != nil {
				continue // not a lake key (see the package comment)
			}
			out = append(out, lake.Object{
				Key:      key,
				Size:     aws.ToInt64(o.Size),
				ETag:     quoted(aws.ToString(o.ETag)),
				Modified: aws.ToTime(o.LastModified),
			})
		}
	}
	// S3 lists in UTF-8 byte order already; not every server does, and
	// stripping the prefix keeps the order, so this costs little.
	slices.SortFunc(out, func(a, b lake.Object) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Put writes an object whole with one PutObject. size must be the body's
// exact length: Put checks it before sending anything, and writes nothing
// if the body is shorter or longer. See the package comment for conditions
// and for what a Transient error from a conditional Put means.
func (s *Store) Put(ctx context.Context, key string, body io.Reader, size int64, cond lake.Condition) (lake.Object, error) {
	if err := s.check(ctx, "put", key); err != nil {
		return lake.Object{}, err
	}
	if size < 0 {
		return lake.Object{}, pipeline.Errorf(pipeline.Invalid, "put %q: negative size %d", key, size)
	}
	if cond.IfAbsent && cond.IfMatch != "" {
		return lake.Object{}, pipeline.Errorf(pipeline.Invalid, "put %q: both IfAbsent and IfMatch", key)
	}
	payload, done, err := exactBody(ctx, key, body, size)
	if err != nil {
		return lake.Object{}, err
	}
	defer done()

	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.s3Key(key)),
		Body:          payload,
		ContentLength: aws.Int64(size),
	}
	op := "put"
	var optFns []func(*s3.Options)
	switch {
	case cond.IfAbsent:
		in.IfNoneMatch = aws.String("*")
		op = "put if absent"
	case cond.IfMatch != "":
		in.IfMatch = aws.String(cond.IfMatch)
		op = "put if match " + cond.IfMatch
	}
	if in.IfNoneMatch != nil || in.IfMatch != nil {
		// One attempt: a retry could fail on its own first attempt's write.
		optFns = append(optFns, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	}
	out, err := s.client.PutObject(ctx, in, optFns...)
	if err != nil {
		return lake.Object{}, pipeline.Errorf(errKind(err), "%s %q: %w", op, key, err)
	}
	etag := quoted(aws.ToString(out.ETag))
	if etag == "" {
		return lake.Object{}, pipeline.Errorf(pipeline.Internal, "%s %q: the server answered without an ETag", op, key)
	}
	modified, ok := awsmiddleware.GetServerTime(out.ResultMetadata)
	if !ok {
		modified = time.Now()
	}
	return lake.Object{Key: key, Size: size, ETag: etag, Modified: modified}, nil
}

// exactBody returns a rewindable reader of exactly size bytes of body, or
// an Invalid error if body is shorter or longer. done releases what it used.
func exactBody(ctx context.Context, key string, body io.Reader, size int64) (io.ReadSeeker, func(), error) {
	noop := func() {}
	if ras, ok := body.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		if start, end, ok := bounds(ras); ok {
			switch left := end - start; {
			case left < size:
				return nil, noop, pipeline.Errorf(pipeline.Invalid, "put %q: body is %d bytes, shorter than size %d", key, left, size)
			case left > size:
				return nil, noop, pipeline.Errorf(pipeline.Invalid, "put %q: body is longer than size %d", key, size)
			}
			// Read with ReadAt: the SDK seeks this section, never the body.
			return io.NewSectionReader(ras, start, size), noop, nil
		}
		// Not really seekable (a pipe): copy it as any other reader.
	}
	if size <= spoolInMemory {
		var buf bytes.Buffer
		buf.Grow(int(size))
		if err := readExact(ctx, key, body, &buf, size); err != nil {
			return nil, noop, err
		}
		return bytes.NewReader(buf.Bytes()), noop, nil
	}
	f, err := os.CreateTemp("", "s3store-put-*")
	if err != nil {
		return nil, noop, pipeline.Errorf(pipeline.Internal, "put %q: create temporary file: %w", key, err)
	}
	// Unlinked at once: the open file stays readable, and nothing is left
	// behind whatever happens next. (Where an open file cannot be removed,
	// done removes it.)
	removed := os.Remove(f.Name()) == nil
	done := func() {
		f.Close()
		if !removed {
			os.Remove(f.Name())
		}
	}
	if err := readExact(ctx, key, body, f, size); err != nil {
		done()
		return nil, noop, err
	}
	return io.NewSectionReader(f, 0, size), done, nil
}

// bounds returns a seekable reader's offset and length, leaving the offset
// where it was; false if it cannot seek after all.
func bounds(s io.Seeker) (start, end int64, ok bool) {
	start, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, 0, false
	}
	end, err = s.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, 0, false
	}
	if _, err := s.Seek(start, io.SeekStart); err != nil {
		return 0, 0, false
	}
	return start, end, true
}

// readExact copies exactly size bytes of body to w, checking that body has
// no more (it reads one byte past size, as fsstore does).
func readExact(ctx context.Context, key string, body io.Reader, w io.Writer, size int64) error {
	n, err := io.Copy(w, io.LimitReader(ctxReader{ctx, body}, size))
	if err != nil {
		if ctx.Err() != nil {
			return pipeline.Errorf(pipeline.Transient, "put %q: %w", key, ctx.Err())
		}
		// Keep the body's own kind, if it has one.
		return fmt.Errorf("put %q: read body: %w", key, err)
	}
	if n < size {
		return pipeline.Errorf(pipeline.Invalid, "put %q: body is %d bytes, shorter than size %d", key, n, size)
	}
	var extra [1]byte
	if m, _ := io.ReadFull(body, extra[:]); m > 0 {
		return pipeline.Errorf(pipeline.Invalid, "put %q: body is longer than size %d", key, size)
	}
	return nil
}

// ctxReader stops reading once the context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Delete removes an object. Deleting a missing object, or a folder's name,
// does nothing.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, "delete", key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.s3Key(key)),
	})
	if err != nil {
		if k := errKind(err); k != pipeline.NotFound {
			return pipeline.Errorf(k, "delete %q: %w", key, err)
		}
	}
	return nil
}

// check validates the store, a key and the context before an operation.
func (s *Store) check(ctx context.Context, op, key string) error {
	if s.err != nil {
		return s.err
	}
	if err := lake.CheckKey(key); err != nil {
		return pipeline.Errorf(pipeline.Invalid, "%s %q: %w", op, key, err)
	}
	if n := len(s.s3Key(key)); n > lake.MaxKeyBytes {
		return pipeline.Errorf(pipeline.Invalid, "%s %q: with the store's prefix the S3 key is %d bytes, longer than %d", op, key, n, lake.MaxKeyBytes)
	}
	if err := ctx.Err(); err != nil {
		return pipeline.Errorf(pipeline.Transient, "%s %q: %w", op, key, err)
	}
	return nil
}

// quoted returns an ETag in its quoted form, as S3 gives it.
func quoted(etag string) string {
	if etag == "" || strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, `W/"`) {
		return etag
	}
	return `"` + etag + `"`
}

// errKind maps an error from the SDK to a pipeline kind (see the package
// comment).
func errKind(err error) pipeline.ErrorKind {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return pipeline.Transient
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return pipeline.NotFound
		case "PreconditionFailed", "ConditionalRequestConflict":
			return pipeline.Conflict
		case "KeyTooLongError", "ObjectParentIsFile", "ExistingObjectIsDirectory", "EntityTooLarge":
			return pipeline.Invalid
		case "OperationAborted":
			return pipeline.Transient
		case "NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
			return pipeline.Internal
		}
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		switch code := status.HTTPStatusCode(); {
		case code == 404:
			return pipeline.NotFound
		case code == 412:
			return pipeline.Conflict
		case code == 429, code >= 500:
			return pipeline.Transient
		}
	}
	if retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary ||
		retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return pipeline.Transient
	}
	var sendErr *smithyhttp.RequestSendError
	var timeout interface{ Timeout() bool }
	if errors.As(err, &sendErr) || (errors.As(err, &timeout) && timeout.Timeout()) {
		return pipeline.Transient
	}
	return pipeline.Internal
}
