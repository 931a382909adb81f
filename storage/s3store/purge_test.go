package s3store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store/s3server"
)

// TestStore_Purge checks, on a bucket with versioning, that Delete leaves
// the object's versions behind (a delete marker over them) and Purge
// removes every version and marker, of that key only; and that on a bucket
// without versioning Purge removes the object as Delete does.
func TestStore_Purge(t *testing.T) {
	ctx := context.Background()
	srv := s3server.StartVersioned(t)
	client := srv.Client(t)
	srv.CreateBucket(t, "versioned")
	if _, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	versions := func(key string) int {
		t.Helper()
		out, err := client.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("versioned"), Prefix: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, v := range out.Versions {
			if aws.ToString(v.Key) == key {
				n++
			}
		}
		for _, m := range out.DeleteMarkers {
			if aws.ToString(m.Key) == key {
				n++
			}
		}
		return n
	}
	s := s3store.NewFromClient(client, "versioned", "")
	put := func(key, body string) {
		t.Helper()
		if _, err := s.Put(ctx, key, strings.NewReader(body), int64(len(body)), lake.Condition{}); err != nil {
			t.Fatal(err)
		}
	}
	put("a/raw.csv", "first")
	put("a/raw.csv", "second")
	put("a/raw.csv.keep", "another object with the key as its prefix")
	if err := s.Delete(ctx, "a/raw.csv"); err != nil {
		t.Fatal(err)
	}
	if n := versions("a/raw.csv"); n != 3 {
		t.Fatalf("after Delete: %d versions and markers, want 3 (two versions under a delete marker)", n)
	}
	if err := lake.Purge(ctx, s, "a/raw.csv"); err != nil {
		t.Fatal(err)
	}
	if n := versions("a/raw.csv"); n != 0 {
		t.Errorf("after Purge: %d versions and markers left", n)
	}
	if n := versions("a/raw.csv.keep"); n != 1 {
		t.Errorf("Purge touched another key: %d versions of it", n)
	}
	if err := lake.Purge(ctx, s, "a/missing.csv"); err != nil {
		t.Errorf("purge of a missing object: %v", err)
	}

	t.Run("without versioning", func(t *testing.T) {
		plain := bucket(t, srv, "plain", "")
		if _, err := plain.Put(ctx, "b/x", strings.NewReader("x"), 1, lake.Condition{}); err != nil {
			t.Fatal(err)
		}
		if err := lake.Purge(ctx, plain, "b/x"); err != nil {
			t.Fatal(err)
		}
		wantMissing(t, plain, "b/x")
	})
}
