// Package stacks defines the AWS CDK stacks that deploy the pipeline for one
// consortium: Data (the key and the buckets), Secrets (the pseudonymisation
// key), Ingest (landing notifications, the queue and the ingest function),
// Uploads (Cognito, the HTTP API and the uploads function), Reporting (the
// report schedule, SES and the report links), Maintenance (the scheduled
// lake check and gc), Surveys (the survey webhooks' API, queue, functions
// and compaction schedule, and a secret per form), Catalog (Glue and
// Athena) and Web (the organisations' pages behind CloudFront, their
// assets and sign-in through the Cognito hosted UI). Build makes them all
// from a consortium file and the functions' zips, with the cdk-nag
// AwsSolutions checks applied.
//
// Every function gets its own role, with statements written out here: the
// buckets, prefixes, queues and keys it uses, and no wildcard actions. Its
// environment is exactly the variables its configuration reads; the stack
// tests read those from the functions' Go code.
package stacks

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Config is what a deployment is made of.
type Config struct {
	// Name prefixes the stacks and names the functions' roles, so it must
	// be unique in the account: lower-case letters, digits and hyphens.
	Name       string
	Consortium *consortium.Consortium
	// ConsortiumFile is the file Consortium was read from, bundled with
	// the survey webhook (which reads each form's mapping from it).
	ConsortiumFile string
	Standard       *standard.Standard
	// Dist is the folder of the functions' zips, <function>.zip each
	// (`make functions` writes them to dist/).
	Dist string
	// Env is the account and region, or nil for an environment-agnostic
	// synth (no account needed).
	Env *awscdk.Environment
	// WebDomainPrefix is the Cognito hosted UI's domain prefix
	// (<prefix>.auth.<region>.amazoncognito.com), which must be unique in
	// the region across every AWS account; "" is Name, "-", the account's
	// id (WebDomainPrefixOf).
	WebDomainPrefix string
}

var domainPrefixPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// reservedInDomain are words Cognito refuses in a domain prefix.
var reservedInDomain = regexp.MustCompile(`aws|amazon|cognito`)

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,30}$`)

func (c Config) check() error {
	switch {
	case !namePattern.MatchString(c.Name):
		return fmt.Errorf("deployment name %q: want 2 to 31 lower-case letters, digits and hyphens, starting with a letter", c.Name)
	case c.Consortium == nil || c.Standard == nil:
		return fmt.Errorf("no consortium or standard")
	case c.Consortium.Reports.From == "":
		return fmt.Errorf("consortium file: reports.from is empty: the report e-mails need a sender (an SES identity)")
	case c.Consortium.Reports.Schedule == "":
		return fmt.Errorf("consortium file: reports.schedule is empty")
	case c.ConsortiumFile == "":
		return fmt.Errorf("no consortium file: the survey webhook is deployed with it")
	case c.Dist == "":
		return fmt.Errorf("no folder of function zips")
	case c.WebDomainPrefix != "" && (!domainPrefixPattern.MatchString(c.WebDomainPrefix) || reservedInDomain.MatchString(c.WebDomainPrefix)):
		return fmt.Errorf("web domain prefix %q: want up to 63 lower-case letters, digits and hyphens, without aws, amazon or cognito", c.WebDomainPrefix)
	case c.WebDomainPrefix == "" && reservedInDomain.MatchString(c.Name):
		return fmt.Errorf("deployment name %q holds aws, amazon or cognito, which a Cognito domain may not: give a webDomainPrefix", c.Name)
	}
	return nil
}

// Deployment is every stack of a consortium, for the app and the tests.
type Deployment struct {
	Data        *Data
	Secrets     *Secrets
	Ingest      *Ingest
	Uploads     *Uploads
	Reporting   *Reporting
	Maintenance *Maintenance
	Surveys     *Surveys
	Catalog     *Catalog
	Web         *Web
}

// Build adds every stack to app and applies the cdk-nag AwsSolutions
// checks, whose findings are errors in the cloud assembly unless a
// suppression with its reason says why the finding does not apply.
func Build(app awscdk.App, cfg Config) (*Deployment, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	props := func(stack, what string) *awscdk.StackProps {
		return &awscdk.StackProps{
			Env:         cfg.Env,
			StackName:   jsii.String(cfg.Name + "-" + stack),
			Description: jsii.String(cfg.Consortium.Name + ": " + what),
		}
	}
	d := &Deployment{}
	d.Data = NewData(app, "Data", props("data", "the key and the buckets"), cfg)
	d.Secrets = NewSecrets(app, "Secrets", props("secrets", "the pseudonymisation key"), cfg, d.Data)
	d.Ingest = NewIngest(app, "Ingest", props("ingest", "landing notifications, the queue and the ingest function"), cfg, d.Data, d.Secrets)
	d.Uploads = NewUploads(app, "Uploads", props("uploads", "sign-in, the uploads API and its function"), cfg, d.Data, d.Secrets)
	d.Reporting = NewReporting(app, "Reporting", props("reporting", "the quarterly report's schedule, e-mail and links"), cfg, d.Data, d.Secrets)
	d.Maintenance = NewMaintenance(app, "Maintenance", props("maintenance", "the nightly lake gc and check"), cfg, d.Data, d.Ingest)
	var err error
	if d.Surveys, err = NewSurveys(app, "Surveys", props("surveys", "the survey webhooks, their queue and the nightly compaction"), cfg, d.Data, d.Secrets, d.Ingest); err != nil {
		return nil, err
	}
	tables, views, err := catalogTables(cfg, d.Data)
	if err != nil {
		return nil, err
	}
	d.Catalog = NewCatalog(app, "Catalog", props("catalog", "the Glue tables and the Athena workgroup"), cfg, d.Data, tables, views)
	if d.Web, err = NewWeb(app, "Web", props("web", "the organisations' web pages: CloudFront, the web function, its assets and sign-in"), cfg, d.Data, d.Uploads); err != nil {
		return nil, err
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return d, nil
}

// FeatureFlags are the CDK feature flags the stacks rely on; pass them as
// the app's context (cdk.json holds the same).
func FeatureFlags() map[string]any {
	return map[string]any{
		// S3 server access logs delivered under a bucket policy, not an
		// ACL: every bucket has ACLs disabled.
		"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": true,
		// Cross-stack references as CloudFormation exports, which keep a
		// stack from being deleted while another uses it.
		"@aws-cdk/core:defaultCrossStackReferences": "strong",
	}
}
