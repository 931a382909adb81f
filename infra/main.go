// Command infra is the AWS CDK app that deploys the pipeline for one
// consortium (see docs/deploy.md). It reads, from the CDK context (cdk.json
// or -c on the command line):
//
//	consortium  the consortium file (default ../testdata/consortium/example.json)
//	name        the deployment's name, unique in the account (default outcomes)
//	dist        the folder of the functions' zips (default ../dist; make functions)
//	account, region  an account and region to pin the stacks to (optional)
//	webDomainPrefix  the Cognito hosted UI's domain prefix (default <name>-<account id>)
//
// It needs no AWS account and no network to synthesise.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/carer-outcomes/carer-outcomes/infra/stacks"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run() error {
	flags := stacks.FeatureFlags()
	props := &awscdk.AppProps{Context: &flags}
	if os.Getenv("CDK_OUTDIR") == "" {
		props.Outdir = jsii.String("cdk.out") // run without the cdk CLI (make synth)
	}
	app := awscdk.NewApp(props)
	ctx := func(key, def string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
			return v
		}
		return def
	}
	std, err := standard.Latest()
	if err != nil {
		return err
	}
	consortiumFile := ctx("consortium", "../testdata/consortium/example.json")
	c, err := consortium.Load(consortiumFile, std)
	if err != nil {
		return err
	}
	cfg := stacks.Config{Name: ctx("name", "outcomes"), Consortium: c, ConsortiumFile: consortiumFile, Standard: std, Dist: ctx("dist", "../dist"),
		WebDomainPrefix: ctx("webDomainPrefix", "")}
	if account, region := ctx("account", ""), ctx("region", ""); account != "" || region != "" {
		cfg.Env = &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
	}
	if err := stacks.CheckDist(cfg.Dist); err != nil {
		return err
	}
	if _, err := stacks.Build(app, cfg); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}
