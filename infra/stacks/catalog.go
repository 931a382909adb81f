package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsathena"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// BytesScannedLimit is the most one Athena query of the workgroup may
// scan: 10 GiB, far above a quarter's figures for a large consortium and
// well below a mistaken query over every file of every version.
const BytesScannedLimit = 10 << 30

// Column and Table are a Glue table's definition, as the catalog
// generator (the same one as `outcomes ddl`) gives it.
type Column struct{ Name, Type, Comment string }

// Table is one external table over the lake.
type Table struct {
	Name, Comment                    string
	Columns, PartitionKeys           []Column
	Location                         string // s3://bucket/prefix/…/
	Path                             string // the same folder in the lake, such as "curated/carers/"
	SerDe, InputFormat, OutputFormat string
	Parameters                       map[string]string
}

// View is one view, created by the statement analysts run once (saved in
// the workgroup): Athena keeps views in Glue in an engine-specific
// encoding, which only Athena itself should write.
type View struct{ Name, SQL string }

// Catalog is the Glue database and tables and the Athena workgroup.
type Catalog struct {
	Stack     awscdk.Stack
	Database  awsglue.CfnDatabase
	Workgroup awsathena.CfnWorkGroup
	// Analysts is the managed policy to attach to the analysts' users or
	// roles: queries in the workgroup over the catalog's tables, and
	// nothing of the lake outside the tables' folders.
	Analysts awsiam.ManagedPolicy
}

// DatabaseName is the Glue database of a deployment.
func DatabaseName(cfg Config) string { return strings.ReplaceAll(cfg.Name, "-", "_") }

// NewCatalog makes the Catalog stack from the generator's tables and
// views, located in the curated bucket.
func NewCatalog(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data, tables []Table, views []View) *Catalog {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	c := &Catalog{Stack: stack}
	db := DatabaseName(cfg)
	c.Database = awsglue.NewCfnDatabase(stack, jsii.String("Database"), &awsglue.CfnDatabaseProps{
		CatalogId: awscdk.Aws_ACCOUNT_ID(),
		DatabaseInput: &awsglue.CfnDatabase_DatabaseInputProperty{
			Name:        jsii.String(db),
			Description: jsii.String(cfg.Consortium.Name + ": the lake's curated tables (generated from schemas/)"),
		},
	})
	columns := func(cols []Column) *[]any {
		out := make([]any, len(cols))
		for i, col := range cols {
			out[i] = &awsglue.CfnTable_ColumnProperty{Name: jsii.String(col.Name), Type: jsii.String(col.Type), Comment: jsii.String(col.Comment)}
		}
		return &out
	}
	for _, t := range tables {
		params := map[string]*string{"EXTERNAL": jsii.String("TRUE")}
		for k, v := range t.Parameters {
			params[k] = jsii.String(v)
		}
		table := awsglue.NewCfnTable(stack, jsii.String("Table-"+t.Name), &awsglue.CfnTableProps{
			CatalogId:    awscdk.Aws_ACCOUNT_ID(),
			DatabaseName: jsii.String(db),
			TableInput: &awsglue.CfnTable_TableInputProperty{
				Name:          jsii.String(t.Name),
				Description:   jsii.String(t.Comment),
				TableType:     jsii.String("EXTERNAL_TABLE"),
				Parameters:    &params,
				PartitionKeys: columns(t.PartitionKeys),
				StorageDescriptor: &awsglue.CfnTable_StorageDescriptorProperty{
					Columns:      columns(t.Columns),
					Location:     jsii.String(t.Location),
					InputFormat:  jsii.String(t.InputFormat),
					OutputFormat: jsii.String(t.OutputFormat),
					SerdeInfo:    &awsglue.CfnTable_SerdeInfoProperty{SerializationLibrary: jsii.String(t.SerDe)},
				},
			},
		})
		table.AddResourceDependency(c.Database, jsii.String("the table is in the database"))
	}
	c.Workgroup = awsathena.NewCfnWorkGroup(stack, jsii.String("Workgroup"), &awsathena.CfnWorkGroupProps{
		Name:                  jsii.String(cfg.Name),
		Description:           jsii.String("the analysts' queries of the lake: settings enforced, results encrypted, scans limited"),
		RecursiveDeleteOption: jsii.Bool(true),
		WorkGroupConfiguration: &awsathena.CfnWorkGroup_WorkGroupConfigurationProperty{
			EnforceWorkGroupConfiguration:   jsii.Bool(true),
			PublishCloudWatchMetricsEnabled: jsii.Bool(true),
			BytesScannedCutoffPerQuery:      jsii.Number(BytesScannedLimit),
			EngineVersion:                   &awsathena.CfnWorkGroup_EngineVersionProperty{SelectedEngineVersion: jsii.String("Athena engine version 3")},
			ResultConfiguration: &awsathena.CfnWorkGroup_ResultConfigurationProperty{
				OutputLocation: jsii.String("s3://" + *data.AthenaResults.BucketName() + "/results/"),
				EncryptionConfiguration: &awsathena.CfnWorkGroup_EncryptionConfigurationProperty{
					EncryptionOption: jsii.String("SSE_KMS"), KmsKey: data.Key.KeyArn(),
				},
			},
		},
	})
	for i, v := range views {
		q := awsathena.NewCfnNamedQuery(stack, jsii.String("View-"+v.Name), &awsathena.CfnNamedQueryProps{
			// Numbered: a view may use those before it.
			Name:        jsii.String(fmt.Sprintf("%02d create view %s", i+1, v.Name)),
			Description: jsii.String("run the saved queries in their order after a deploy that changes the views (docs/deploy.md)"),
			Database:    jsii.String(db),
			WorkGroup:   c.Workgroup.Ref(),
			QueryString: jsii.String(v.SQL),
		})
		q.AddResourceDependency(c.Workgroup, jsii.String("the query is saved in the workgroup"))
	}
	c.Analysts = analystsPolicy(stack, cfg, data, c, tables)
	return c
}

// analystsPolicy lets an analyst run queries in the workgroup and read
// what the tables name: not the lake's uploads/ folder (the uploaders'
// validation reports), not the landing or raw buckets.
func analystsPolicy(stack awscdk.Stack, cfg Config, data *Data, c *Catalog, tables []Table) awsiam.ManagedPolicy {
	arn := func(resource string) *string {
		return awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("arn:"), awscdk.Aws_PARTITION(), jsii.String(":" + resource), awscdk.Aws_REGION(), jsii.String(":"), awscdk.Aws_ACCOUNT_ID(),
		})
	}
	db := DatabaseName(cfg)
	workgroup := awscdk.Fn_Join(jsii.String(""), &[]*string{arn("athena:"), jsii.String(":workgroup/" + cfg.Name)})
	glue := func(what string) *string {
		return awscdk.Fn_Join(jsii.String(""), &[]*string{arn("glue:"), jsii.String(":" + what)})
	}
	var objects, prefixes []*string
	seen := map[string]bool{}
	for _, t := range tables {
		if !seen[t.Path] {
			seen[t.Path] = true
			objects = append(objects, under(data.Curated.BucketArn(), t.Path))
			prefixes = append(prefixes, jsii.String(t.Path+"*"))
		}
	}
	statements := []awsiam.PolicyStatement{
		allow([]string{"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution",
			"athena:ListQueryExecutions", "athena:GetWorkGroup", "athena:ListNamedQueries", "athena:GetNamedQuery", "athena:BatchGetNamedQuery"}, workgroup),
		allow([]string{"glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"},
			glue("catalog"), glue("database/"+db), glue("table/"+db+"/*")),
		allow([]string{"s3:GetObject", "s3:PutObject"}, under(data.AthenaResults.BucketArn(), "results/")),
		allow([]string{"s3:GetBucketLocation", "s3:ListBucket"}, data.AthenaResults.BucketArn()),
		allow([]string{"kms:Decrypt", "kms:GenerateDataKey"}, data.Key.KeyArn()),
	}
	if len(objects) > 0 {
		statements = append(statements, allow([]string{"s3:GetObject"}, objects...),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:    jsii.Strings("s3:GetBucketLocation", "s3:ListBucket"),
				Resources:  &[]*string{data.Curated.BucketArn()},
				Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": prefixes}},
			}))
	}
	p := awsiam.NewManagedPolicy(stack, jsii.String("Analysts"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(cfg.Name + "-analysts"),
		Description:       jsii.String("query the lake with Athena in the " + cfg.Name + " workgroup"),
		Statements:        &statements,
	})
	nagSuppress(p, "AwsSolutions-IAM5", "the objects under the tables' folders and the workgroup's results folder, and the database's tables: their keys and names are not known in advance")
	return p
}
