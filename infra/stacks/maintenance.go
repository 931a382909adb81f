package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Maintenance is the scheduled lake check and gc.
type Maintenance struct {
	Stack    awscdk.Stack
	Function *Function
}

// NewMaintenance makes the Maintenance stack.
func NewMaintenance(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data, ingest *Ingest) *Maintenance {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	return &Maintenance{Stack: stack}
}
