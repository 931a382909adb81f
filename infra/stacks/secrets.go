package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The functions that may read each secret: the pseudonymisation key only
// the functions that pseudonymise, the report links' key only the
// function that makes links and the one that serves them.
var (
	Pseudonymisers = []string{"ingest", SurveyWebhook, "uploads"} // uploads: a lead's erasure computes the carer's pseudonym; the webhook pseudonymises on receipt
	LinkKeyReaders = []string{"links", "report"}
)

// Secrets is the pseudonymisation key and the report links' key, each 64
// hexadecimal digits (256 bits), the form pseudonym.ParseKey and
// reportlink.ParseKey read.
type Secrets struct {
	Stack        awscdk.Stack
	PseudonymKey awssecretsmanager.Secret
	LinkKey      awssecretsmanager.Secret
}

// NewSecrets makes the Secrets stack.
func NewSecrets(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data) *Secrets {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	s := &Secrets{Stack: stack}
	s.PseudonymKey = hexSecret(stack, "PseudonymKey", cfg, data,
		"the consortium's pseudonymisation key: changing it changes every pseudonym (docs/deploy.md)", Pseudonymisers)
	nagSuppress(s.PseudonymKey, "AwsSolutions-SMG4", "a new pseudonymisation key changes every carer's pseudonym, so it is rotated by hand with the re-pseudonymisation procedure of docs/deploy.md, never on a timer")
	s.LinkKey = hexSecret(stack, "LinkKey", cfg, data,
		"the key that signs the report e-mails' links: changing it ends every link sent", LinkKeyReaders)
	nagSuppress(s.LinkKey, "AwsSolutions-SMG4", "a new link key ends every report link already e-mailed, so it is rotated by hand (docs/deploy.md), between report runs")
	return s
}

// hexSecret is a generated secret of 64 hexadecimal digits that only the
// readers' roles may read.
func hexSecret(stack awscdk.Stack, id string, cfg Config, data *Data, description string, readers []string) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(stack, jsii.String(id), &awssecretsmanager.SecretProps{
		Description:   jsii.String(description),
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
	var arns []*string
	for _, f := range readers {
		arns = append(arns, RoleArn(cfg, f))
	}
	// The functions' own policies allow the read; this denies it to every
	// other principal of the account, administrators included.
	secret.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("OnlyItsFunctionsRead"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("secretsmanager:GetSecretValue"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": arns}},
	}))
	return secret
}
