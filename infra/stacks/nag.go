package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// nagSuppress records why a cdk-nag finding does not apply to a construct
// (and its children). Every suppression has its reason. appliesTo narrows
// it to findings on those resources or actions ("Resource::…"); one that
// starts with "/" is a regular expression (/…/g).
func nagSuppress(c constructs.IConstruct, rule, reason string, appliesTo ...string) {
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		a := make([]any, len(appliesTo))
		for i, x := range appliesTo {
			if strings.HasPrefix(x, "/") {
				a[i] = &cdknag.RegexAppliesTo{Regex: jsii.String(x)}
			} else {
				a[i] = x
			}
		}
		s.AppliesTo = &a
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}

// schedulerInvokes explains the one wildcard of a schedule's role: it may
// invoke the function (logical id prefix fn) and its versions.
func schedulerInvokes(stack awscdk.Stack, fn string) {
	nagSuppress(stack, "AwsSolutions-IAM5", "the scheduler's role may invoke the "+fn+" function and its versions (the function's ARN with :*), nothing else",
		`/^Resource::<`+fn+`[0-9A-F]{8}\.Arn>:\*$/g`)
}
