package stacks_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestStacks_ResourceCounts(t *testing.T) {
	want := map[string]map[string]int{
		"Data": {
			"AWS::KMS::Key": 1, "AWS::S3::Bucket": 6, "AWS::S3::BucketPolicy": 6, "AWS::IAM::Role": 1,
		},
		"Secrets": {"AWS::SecretsManager::Secret": 2, "AWS::SecretsManager::ResourcePolicy": 2},
		"Ingest": {
			"AWS::KMS::Key": 1, "AWS::SQS::Queue": 2, "AWS::SQS::QueuePolicy": 2, "AWS::SNS::Topic": 1,
			"AWS::SNS::Subscription": 1, "AWS::CloudWatch::Alarm": 3, "AWS::Lambda::EventSourceMapping": 1,
			"Custom::S3BucketNotifications": 1,
		},
		"Uploads": {
			"AWS::Cognito::UserPool": 1, "AWS::Cognito::UserPoolClient": 1, "AWS::Cognito::UserPoolGroup": 1, "AWS::ApiGatewayV2::Api": 1,
			"AWS::ApiGatewayV2::Authorizer": 1, "AWS::ApiGatewayV2::Route": 1, "AWS::ApiGatewayV2::Stage": 1,
		},
		"Reporting":   {"AWS::Scheduler::Schedule": 1, "AWS::SES::EmailIdentity": 1, "AWS::Lambda::Url": 1, "AWS::Lambda::EventInvokeConfig": 1},
		"Catalog":     {"AWS::Glue::Database": 1, "AWS::Athena::WorkGroup": 1, "AWS::IAM::ManagedPolicy": 1},
		"Maintenance": {"AWS::Scheduler::Schedule": 1, "AWS::CloudWatch::Alarm": 1, "AWS::Lambda::EventInvokeConfig": 1},
		"Web": {
			"AWS::Lambda::Url": 1, "AWS::CloudFront::Distribution": 1, "AWS::CloudFront::OriginAccessControl": 1,
			"AWS::CloudFront::ResponseHeadersPolicy": 1, "AWS::S3::Bucket": 2, "AWS::S3::BucketPolicy": 2,
			"AWS::SecretsManager::Secret": 2, "AWS::Cognito::UserPoolClient": 1, "AWS::Cognito::UserPoolDomain": 1,
			"Custom::CDKBucketDeployment": 1,
		},
	}
	perFunction := map[string]int{"AWS::Lambda::Function": 1, "AWS::IAM::Role": 1, "AWS::Logs::LogGroup": 1}
	for _, s := range []string{"Ingest", "Uploads", "Reporting", "Reporting", "Maintenance", "Web"} { // report and links in Reporting
		for typ, n := range perFunction {
			want[s][typ] += n
		}
	}
	want["Ingest"]["AWS::Lambda::Function"]++ // CDK's handler of bucket notifications
	want["Ingest"]["AWS::IAM::Role"]++
	want["Uploads"]["AWS::Logs::LogGroup"]++ // the API's access logs
	want["Reporting"]["AWS::IAM::Role"]++    // the scheduler's
	want["Maintenance"]["AWS::IAM::Role"]++  // the scheduler's
	want["Web"]["AWS::Lambda::Function"]++   // CDK's handler that copies the assets
	want["Web"]["AWS::IAM::Role"]++
	for id, types := range want {
		tmpl := stack(t, id)
		for typ, n := range types {
			if got := len(tmpl.ofType(typ)); got != n {
				t.Errorf("%s: %d %s, want %d", id, got, typ, n)
			}
		}
	}
}

// bucket finds one of the Data stack's buckets.
func bucket(t *testing.T, name string) (string, resource) {
	t.Helper()
	return stack(t, "Data").byPath(t, "Data/"+name)
}

func TestData_Buckets(t *testing.T) {
	ret := cfg.Consortium.Retention
	tests := []struct {
		name       string
		versioned  bool
		expiryDays int // 0: no expiry of current objects
		kms        bool
	}{
		{"Landing", true, ret.LandingDays, true},
		{"Raw", true, ret.RawDays, true},
		{"Curated", false, 0, true},
		{"Reports", false, ret.ReportsDays, true},
		{"AthenaResults", false, ret.AthenaResultsDays, true},
		// S3 delivers access logs only to an SSE-S3 bucket.
		{"AccessLogs", false, ret.AccessLogDays, false},
	}
	data := stack(t, "Data")
	if n := len(data.ofType("AWS::S3::Bucket")); n != len(tests) {
		t.Fatalf("%d buckets, want %d: each is checked here", n, len(tests))
	}
	policies := map[string]resource{}
	for _, p := range data.ofType("AWS::S3::BucketPolicy") {
		policies[data.render(p.Properties["Bucket"])] = p
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, b := bucket(t, tt.name)
			p := b.Properties
			enc := get(list(get(p, "BucketEncryption", "ServerSideEncryptionConfiguration"))[0], "ServerSideEncryptionByDefault")
			if tt.kms {
				if get(enc, "SSEAlgorithm") != "aws:kms" || data.render(get(enc, "KMSMasterKeyID")) != "${Data/Key.Arn}" {
					t.Errorf("encryption %v, want SSE-KMS with the data key", enc)
				}
			} else if get(enc, "SSEAlgorithm") != "AES256" {
				t.Errorf("encryption %v, want SSE-S3", enc)
			}
			pab := get(p, "PublicAccessBlockConfiguration")
			for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
				if get(pab, k) != true {
					t.Errorf("public access: %s is %v", k, get(pab, k))
				}
			}
			if v := get(p, "VersioningConfiguration", "Status") == "Enabled"; v != tt.versioned {
				t.Errorf("versioned %v, want %v", v, tt.versioned)
			}
			if p["ObjectLockEnabled"] != nil {
				t.Errorf("object lock %v: the erasure procedure must be able to delete", p["ObjectLockEnabled"])
			}
			rules := list(get(p, "LifecycleConfiguration", "Rules"))
			if len(rules) == 0 {
				t.Fatal("no lifecycle rules")
			}
			expiry := 0
			for _, r := range rules {
				if d, ok := get(r, "ExpirationInDays").(float64); ok && get(r, "Prefix") == nil {
					expiry = int(d)
				}
			}
			if expiry != tt.expiryDays {
				t.Errorf("objects expire after %d days, want %d (the consortium's retention)", expiry, tt.expiryDays)
			}
			if tt.name != "AccessLogs" && get(p, "LoggingConfiguration", "DestinationBucketName") == nil {
				t.Errorf("no server access logs")
			}
			pol, ok := policies["${Data/"+tt.name+"}"]
			if !ok {
				t.Fatal("no bucket policy")
			}
			tls := false
			for _, s := range list(get(pol.Properties, "PolicyDocument", "Statement")) {
				tls = tls || get(s, "Effect") == "Deny" && get(s, "Condition", "Bool", "aws:SecureTransport") == "false"
			}
			if !tls {
				t.Error("no statement denying requests without TLS")
			}
		})
	}
}

// policyStatements are a resource policy's statements.
func policyStatements(t *testing.T, stackID, bucketName string) []any {
	t.Helper()
	tmpl := stack(t, stackID)
	for _, p := range tmpl.ofType("AWS::S3::BucketPolicy") {
		if tmpl.render(p.Properties["Bucket"]) == "${"+stackID+"/"+bucketName+"}" {
			return list(get(p.Properties, "PolicyDocument", "Statement"))
		}
	}
	t.Fatalf("no policy for %s", bucketName)
	return nil
}

func TestData_LandingPolicy(t *testing.T) {
	data := stack(t, "Data")
	var onlyUploads, onlyMembers bool
	for _, s := range policyStatements(t, "Data", "Landing") {
		if get(s, "Effect") != "Deny" || fmt.Sprint(get(s, "Action")) != "s3:PutObject" || data.render(get(s, "Principal")) != "{AWS: *}" {
			continue
		}
		if c := get(s, "Condition", "ArnNotEquals", "aws:PrincipalArn"); c != nil {
			var writers []string
			for _, f := range []string{"uploads", "web"} {
				writers = append(writers, "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"+cfg.Name+"-"+f)
			}
			want := "[" + strings.Join(writers, ", ") + "]"
			if data.render(c) != want || data.render(get(s, "Resource")) != "${Data/Landing.Arn}/*" {
				t.Errorf("writes denied to all but %s on %s; want %s on every key", data.render(c), data.render(get(s, "Resource")), want)
			}
			onlyUploads = true
		}
		if nr := list(get(s, "NotResource")); nr != nil {
			var got []string
			for _, r := range nr {
				got = append(got, data.render(r))
			}
			var want []string
			for _, code := range cfg.Consortium.Codes() {
				want = append(want, "${Data/Landing.Arn}/landing/org="+code+"/*")
			}
			if !slices.Equal(got, want) {
				t.Errorf("writes allowed only under %v, want %v", got, want)
			}
			onlyMembers = true
		}
	}
	if !onlyUploads || !onlyMembers {
		t.Errorf("landing policy: denies writes by others %v, outside members' prefixes %v; want both", onlyUploads, onlyMembers)
	}
	// The roles the policy names are the uploads and web functions'.
	if _, role := stack(t, "Web").byPath(t, "Web/webRole"); role.Properties["RoleName"] != cfg.Name+"-web" {
		t.Errorf("web role name %v", role.Properties["RoleName"])
	}
	uploads := stack(t, "Uploads")
	_, role := uploads.byPath(t, "Uploads/uploadsRole")
	if role.Properties["RoleName"] != cfg.Name+"-uploads" {
		t.Errorf("uploads role name %v", role.Properties["RoleName"])
	}
	if !strings.Contains(uploads.render(deployed(t)["uploads"][0].res.Properties["Role"]), "uploadsRole") {
		t.Error("the uploads function does not use the uploads role")
	}
}

func TestData_RawOnlyReplicated(t *testing.T) {
	data := stack(t, "Data")
	_, landing := bucket(t, "Landing")
	rule := list(get(landing.Properties, "ReplicationConfiguration", "Rules"))
	if len(rule) != 1 || data.render(get(rule[0], "Destination", "Bucket")) != "${Data/Raw.Arn}" ||
		get(rule[0], "Filter", "Prefix") != "landing/" || get(rule[0], "DeleteMarkerReplication", "Status") != "Disabled" {
		t.Fatalf("replication %v: want every landed object copied to raw, deletions not", data.render(rule))
	}
	if data.render(get(landing.Properties, "ReplicationConfiguration", "Role")) != "${Data/ReplicationRole.Arn}" {
		t.Error("replication does not use its role")
	}
	denied := false
	for _, s := range policyStatements(t, "Data", "Raw") {
		if get(s, "Effect") == "Deny" && data.render(get(s, "Condition", "ArnNotEquals", "aws:PrincipalArn")) == "${Data/ReplicationRole.Arn}" &&
			fmt.Sprint(get(s, "Action")) == "[s3:PutObject s3:ReplicateObject]" {
			denied = true
		}
	}
	if !denied {
		t.Error("raw: writes are not denied to all but replication")
	}
}

func TestData_KeyRotates(t *testing.T) {
	for _, id := range []string{"Data", "Ingest"} {
		for _, k := range stack(t, id).ofType("AWS::KMS::Key") {
			if k.Properties["EnableKeyRotation"] != true {
				t.Errorf("%s: a key does not rotate", id)
			}
		}
	}
}
