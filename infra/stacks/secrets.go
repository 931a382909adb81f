package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Pseudonymisers are the functions that pseudonymise, the only ones that
// may read the pseudonymisation key.
var Pseudonymisers = []string{"ingest"}

// Secrets is the pseudonymisation key.
type Secrets struct {
	Stack awscdk.Stack
	// PseudonymKey is 64 hexadecimal digits (256 bits), the form
	// pseudonym.ParseKey reads.
	PseudonymKey awssecretsmanager.Secret
}

// NewSecrets makes the Secrets stack.
func NewSecrets(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data) *Secrets {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	s := &Secrets{Stack: stack}
	s.PseudonymKey = awssecretsmanager.NewSecret(stack, jsii.String("PseudonymKey"), &awssecretsmanager.SecretProps{
		Description:   jsii.String("the consortium's pseudonymisation key: changing it changes every pseudonym (docs/deploy.md)"),
		EncryptionKey: data.Key,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:          jsii.Number(64),
			ExcludeUppercase:        jsii.Bool(true),
			ExcludePunctuation:      jsii.Bool(true),
			IncludeSpace:            jsii.Bool(false),
			ExcludeCharacters:       jsii.String("ghijklmnopqrstuvwxyz"),
			RequireEachIncludedType: jsii.Bool(false),
		},
	})
	var readers []*string
	for _, f := range Pseudonymisers {
		readers = append(readers, RoleArn(cfg, f))
	}
	// The functions' own policies allow the read; this denies it to every
	// other principal of the account, administrators included.
	s.PseudonymKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("OnlyPseudonymisersRead"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("secretsmanager:GetSecretValue"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": readers}},
	}))
	nagSuppress(s.PseudonymKey, "AwsSolutions-SMG4", "a new pseudonymisation key changes every carer's pseudonym, so it is rotated by hand with the re-pseudonymisation procedure of docs/deploy.md, never on a timer")
	return s
}
