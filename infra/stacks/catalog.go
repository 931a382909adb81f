package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Catalog is the Glue database and tables and the Athena workgroup.
type Catalog struct {
	Stack awscdk.Stack
}

// Table is a Glue table's definition.
type Table struct{}

func catalogTables(cfg Config) ([]Table, error) { return nil, nil }

// NewCatalog makes the Catalog stack.
func NewCatalog(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data, tables []Table) *Catalog {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	return &Catalog{Stack: stack}
}
