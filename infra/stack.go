package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/store/schema"
)

// MyProfileStackProps configures the stack. Every field is optional: an
// empty field falls back to the context value (see the Ctx* keys), then to
// the Default* value.
type MyProfileStackProps struct {
	awscdk.StackProps
	// Stage names the deployment; anything but "dev" turns on the table's
	// deletion protection and keeps log groups when the stack is deleted.
	Stage string
	// AssetDir holds <name>/bootstrap for every function (make build).
	AssetDir string
	// Functions to deploy; nil means catalog.All().
	Functions []catalog.Function
	// SenderEmail is the SES sender address (SENDER_EMAIL).
	SenderEmail string
	// SESConfigurationSet, if set, is granted to Email functions too.
	SESConfigurationSet string
	// LogRetentionDays of every function's log group.
	LogRetentionDays int
	// LogLevel is every function's LOG_LEVEL.
	LogLevel string
	// EventBusName the event rules listen on; "" or "default": the default bus.
	EventBusName string
	// Schedules overrides catalog schedules by function name.
	Schedules map[string]string
	// MFADataKeySecret is the Secrets Manager secret (name or ARN) holding
	// MFA_DATA_KEY (base64 of 32 random bytes) for functions with
	// Needs.Secrets. Default: myprofile/<stage>/mfa-data-key, except in the
	// dev and test stages, where it is not supplied and shared/config derives
	// a development key. "none": never supplied.
	MFADataKeySecret string
}

// settings is MyProfileStackProps with every fallback applied.
type settings struct {
	stage, assetDir, senderEmail, sesConfigSet, logLevel, eventBusName, mfaSecret string
	logRetention                                                                  awslogs.RetentionDays
	functions                                                                     []catalog.Function
	schedules                                                                     map[string]string
}

// resolveSettings applies context values and defaults to props.
func resolveSettings(scope constructs.Construct, props *MyProfileStackProps) (settings, error) {
	if props == nil {
		props = &MyProfileStackProps{}
	}
	ctx := func(key string) any { return scope.Node().TryGetContext(jsii.String(key)) }
	var errs []error
	str := func(field, key, def string) string {
		if field != "" {
			return field
		}
		v, err := contextString(ctx(key))
		if err != nil {
			errs = append(errs, fmt.Errorf("context %s: %w", key, err))
		}
		if v == "" {
			return def
		}
		return v
	}
	s := settings{
		stage:        str(props.Stage, CtxStage, DefaultStage),
		assetDir:     str(props.AssetDir, CtxAssetDir, DefaultAssetDir),
		senderEmail:  str(props.SenderEmail, CtxSenderEmail, DefaultSenderEmail),
		sesConfigSet: str(props.SESConfigurationSet, CtxSESConfigurationSet, ""),
		logLevel:     str(props.LogLevel, CtxLogLevel, DefaultLogLevel),
		eventBusName: str(props.EventBusName, CtxEventBusName, ""),
		functions:    props.Functions,
		schedules:    map[string]string{},
	}
	s.mfaSecret = str(props.MFADataKeySecret, CtxMFADataKeySecret, "")
	switch {
	case s.mfaSecret == "none":
		s.mfaSecret = ""
	case s.mfaSecret == "" && s.stage != "dev" && s.stage != "test":
		s.mfaSecret = "myprofile/" + s.stage + "/mfa-data-key"
	}
	if s.functions == nil {
		s.functions = catalog.All()
	}
	if err := validStage(s.stage); err != nil {
		errs = append(errs, err)
	}
	days := props.LogRetentionDays
	if days == 0 {
		n, ok, err := contextInt(ctx(CtxLogRetentionDays))
		if err != nil {
			errs = append(errs, fmt.Errorf("context %s: %w", CtxLogRetentionDays, err))
		}
		days = DefaultLogRetentionDays
		if ok {
			days = n
		}
	}
	r, err := logRetention(days)
	if err != nil {
		errs = append(errs, err)
	}
	s.logRetention = r
	for _, f := range s.functions {
		if sch, ok := props.Schedules[f.Name]; ok {
			s.schedules[f.Name] = sch
			continue
		}
		v, err := contextString(ctx(CtxSchedulePrefix + f.Name))
		if err != nil {
			errs = append(errs, fmt.Errorf("context %s%s: %w", CtxSchedulePrefix, f.Name, err))
		}
		if v == "" {
			v = f.Schedule
		}
		s.schedules[f.Name] = v
	}
	return s, errors.Join(errs...)
}

// planned is one catalog function, checked and ready to build.
type planned struct {
	fn       catalog.Function
	id       string // construct ID prefix, e.g. "DailySummary"
	asset    string // directory holding bootstrap
	routes   []Route
	schedule string
	indexes  []string
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// plan checks every function against the catalog rules, the table
// definition and the assets, so that a bad catalog entry fails the synth
// with a message instead of deploying a half-wired function.
func plan(s settings, def schema.TableDefinition) ([]planned, error) {
	var errs []error
	seenID := map[string]string{}
	seenRoute := map[string]string{}
	indexNames := map[string]bool{}
	for _, ix := range def.Indexes {
		indexNames[ix.Name] = true
	}
	var out []planned
	for _, f := range s.functions {
		bad := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("function %q: %s", f.Name, fmt.Sprintf(format, a...)))
		}
		if !nameRE.MatchString(f.Name) {
			bad("name must be lower-case letters, digits and -")
			continue
		}
		p := planned{fn: f, id: constructID(f.Name), asset: filepath.Join(s.assetDir, f.Name)}
		if other, dup := seenID[p.id]; dup {
			bad("clashes with function %q", other)
			continue
		}
		seenID[p.id] = f.Name
		if _, err := os.Stat(filepath.Join(p.asset, "bootstrap")); err != nil {
			bad("no %s (run make build): %v", filepath.Join(p.asset, "bootstrap"), err)
		}
		if f.MemoryMB < 0 || f.MemoryMB > 10240 || f.TimeoutSec < 0 || f.TimeoutSec > 900 {
			bad("memory %d MB / timeout %d s out of Lambda's range", f.MemoryMB, f.TimeoutSec)
		}
		switch f.Kind {
		case catalog.HTTP:
			if len(f.Routes) == 0 {
				bad("an http function needs routes")
			}
			for _, pattern := range f.Routes {
				r, err := ParseRoute(pattern)
				if err != nil {
					bad("%v", err)
					continue
				}
				if other, dup := seenRoute[r.Key()]; dup {
					bad("route %s is also served by %q", r.Key(), other)
					continue
				}
				seenRoute[r.Key()] = f.Name
				p.routes = append(p.routes, r)
			}
		case catalog.Schedule:
			p.schedule = s.schedules[f.Name]
			if err := validSchedule(p.schedule); err != nil {
				bad("%v", err)
			}
		case catalog.Event:
			if f.EventSource == "" || len(f.DetailTypes) == 0 {
				bad("an event function needs EventSource and DetailTypes")
			}
		default:
			// Queue and storage functions need a queue or bucket this stack
			// does not define yet; fail rather than deploy an idle function.
			bad("kind %q is not wired by infra/ yet", f.Kind)
		}
		if f.Kind != catalog.HTTP && len(f.Routes) > 0 {
			bad("only http functions have routes")
		}
		n := f.Needs
		switch n.Table {
		case "", "read", "write":
		default:
			bad("Needs.Table %q: want \"\", \"read\" or \"write\"", n.Table)
		}
		if len(n.Indexes) > 0 && n.Table == "" {
			bad("Needs.Indexes without Needs.Table")
		}
		for _, ix := range n.Indexes {
			if !indexNames[ix] {
				bad("Needs.Indexes: no index %q in schema.Definition()", ix)
			}
		}
		p.indexes = n.Indexes
		if n.Uploads || n.Queue != "" {
			bad("Needs.Uploads and Needs.Queue are not wired by infra/ yet")
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

// IAM actions per table access level. Transactions are authorized by the
// item actions they contain, so TransactWriteItems needs no action of its own.
var (
	tableReadActions  = []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
	tableWriteActions = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
		"dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"}
)

// NewMyProfileStack builds the whole backend from the function catalog and
// the table definition. props may be nil. It returns an error, and builds
// nothing, when the catalog or the settings are invalid.
func NewMyProfileStack(scope constructs.Construct, id string, props *MyProfileStackProps) (awscdk.Stack, error) {
	if props == nil {
		props = &MyProfileStackProps{}
	}
	s, err := resolveSettings(scope, props)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", id, err)
	}
	def := schema.Definition()
	fns, err := plan(s, def)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", id, err)
	}
	senderAddr, senderDomain, err := senderIdentities(s.senderEmail)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", id, err)
	}

	sprops := props.StackProps
	if sprops.Description == nil {
		sprops.Description = jsii.String("My Profile backend (" + s.stage + ")")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sprops)
	awscdk.Tags_Of(stack).Add(jsii.String("app"), jsii.String("myprofile"), nil)
	awscdk.Tags_Of(stack).Add(jsii.String("stage"), jsii.String(s.stage), nil)
	dev := s.stage == "dev"

	table := newTable(stack, def, dev)

	var bus awsevents.IEventBus
	if s.eventBusName != "" && s.eventBusName != "default" {
		bus = awsevents.EventBus_FromEventBusName(stack, jsii.String("EventBus"), jsii.String(s.eventBusName))
	}

	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		Description: jsii.String("My Profile API (" + s.stage + ")"),
	})

	logRemoval := awscdk.RemovalPolicy_RETAIN
	if dev {
		logRemoval = awscdk.RemovalPolicy_DESTROY
	}

	for _, p := range fns {
		f := p.fn
		env := map[string]*string{
			"TABLE_NAME":   table.TableName(),
			"STAGE":        jsii.String(s.stage),
			"SENDER_EMAIL": jsii.String(s.senderEmail), // as configured, display name included
			"LOG_LEVEL":    jsii.String(s.logLevel),
		}
		if s.sesConfigSet != "" {
			env["SES_CONFIGURATION_SET"] = jsii.String(s.sesConfigSet)
		}
		memory, timeout := f.MemoryMB, f.TimeoutSec
		if memory == 0 {
			memory = DefaultMemoryMB
		}
		if timeout == 0 {
			timeout = DefaultTimeoutSec
		}
		logGroup := awslogs.NewLogGroup(stack, jsii.String(p.id+"Logs"), &awslogs.LogGroupProps{
			Retention:     s.logRetention,
			RemovalPolicy: logRemoval,
		})
		fprops := &awslambda.FunctionProps{
			Description:  jsii.String(f.Description),
			Code:         awslambda.Code_FromAsset(jsii.String(p.asset), nil),
			Handler:      jsii.String("bootstrap"),
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_ARM_64(),
			MemorySize:   jsii.Number(float64(memory)),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(float64(timeout))),
			Environment:  &env,
			LogGroup:     logGroup,
		}
		// Schedules and events invoke asynchronously: after Lambda's own
		// retries a failed event lands in the function's dead-letter queue,
		// which also takes events EventBridge could not deliver at all.
		var dlq awssqs.Queue
		if f.Kind == catalog.Schedule || f.Kind == catalog.Event {
			dlq = awssqs.NewQueue(stack, jsii.String(p.id+"DeadLetterQueue"), &awssqs.QueueProps{
				Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
				EnforceSSL:      jsii.Bool(true),
				RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
			})
			fprops.OnFailure = awslambdadestinations.NewSqsDestination(dlq)
			fprops.RetryAttempts = jsii.Number(2)
			fprops.MaxEventAge = awscdk.Duration_Hours(jsii.Number(6))
		}
		fn := awslambda.NewFunction(stack, jsii.String(p.id+"Function"), fprops)

		grantTable(fn, table, f.Needs.Table, p.indexes)
		if f.Needs.Email {
			resources := []*string{
				sesIdentityArn(stack, senderAddr),
				sesIdentityArn(stack, senderDomain),
			}
			if s.sesConfigSet != "" {
				resources = append(resources, stack.FormatArn(&awscdk.ArnComponents{
					Service: jsii.String("ses"), Resource: jsii.String("configuration-set"),
					ResourceName: jsii.String(s.sesConfigSet), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
				}))
			}
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("ses:SendEmail"),
				Resources: &resources,
			}))
		}
		if f.Needs.SMS {
			// SNS authorizes SMS to a phone number only on "*"; the Deny on every SNS ARN keeps topics and endpoints out.
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("sns:Publish"),
				Resources: jsii.Strings("*"),
			}))
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Effect:    awsiam.Effect_DENY,
				Actions:   jsii.Strings("sns:Publish"),
				Resources: jsii.Strings("arn:aws:sns:*:*:*"),
			}))
		}
		if f.Needs.Secrets && s.mfaSecret != "" {
			// shared/config reads the key from MFA_DATA_KEY: CloudFormation
			// resolves the secret at deploy time, so the value sits in the
			// function's (KMS-encrypted) configuration, never in the template.
			fn.AddEnvironment(jsii.String("MFA_DATA_KEY"),
				awscdk.SecretValue_SecretsManager(jsii.String(s.mfaSecret), nil).UnsafeUnwrap(), nil)
		}
		if f.Needs.Events {
			target := bus
			if target == nil {
				target = awsevents.EventBus_FromEventBusName(stack, jsii.String(p.id+"DefaultBus"), jsii.String("default"))
			}
			target.GrantPutEventsTo(fn, nil)
			fn.AddEnvironment(jsii.String("EVENT_BUS_NAME"), target.EventBusName(), nil)
		}

		switch f.Kind {
		case catalog.HTTP:
			integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(p.id+"Integration"), fn, nil)
			for _, r := range p.routes {
				api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
					Path:        jsii.String(r.Path),
					Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
					Integration: integration,
				})
			}
		case catalog.Schedule:
			awsevents.NewRule(stack, jsii.String(p.id+"Schedule"), &awsevents.RuleProps{
				Description: jsii.String("Runs " + f.Name + " on " + p.schedule),
				Schedule:    awsevents.Schedule_Expression(jsii.String(p.schedule)),
				Targets:     &[]awsevents.IRuleTarget{ruleTarget(fn, dlq)},
			})
		case catalog.Event:
			awsevents.NewRule(stack, jsii.String(p.id+"Events"), &awsevents.RuleProps{
				Description: jsii.String("Delivers " + f.EventSource + " events to " + f.Name),
				EventBus:    bus,
				EventPattern: &awsevents.EventPattern{
					Source:     jsii.Strings(f.EventSource),
					DetailType: jsii.Strings(f.DetailTypes...),
				},
				Targets: &[]awsevents.IRuleTarget{ruleTarget(fn, dlq)},
			})
		}
	}

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Value:       api.Url(),
		Description: jsii.String("Base URL of the HTTP API"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("TableName"), &awscdk.CfnOutputProps{
		Value:       table.TableName(),
		Description: jsii.String("The DynamoDB table"),
	})
	return stack, nil
}

// newTable builds the single table from the shared definition.
func newTable(stack awscdk.Stack, def schema.TableDefinition, dev bool) awsdynamodb.Table {
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	table := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: str(def.PK),
		SortKey:      str(def.SK),
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		TimeToLiveAttribute: jsii.String(def.TTL),
		Encryption:          awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
		DeletionProtection:  jsii.Bool(!dev),
	})
	for _, ix := range def.Indexes {
		table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   str(ix.PK),
			SortKey:        str(ix.SK),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return table
}

// grantTable gives fn exactly the item actions of its access level on the
// table and on the indexes it queries.
func grantTable(fn awslambda.Function, table awsdynamodb.Table, access string, indexes []string) {
	if access == "" {
		return
	}
	resources := []*string{table.TableArn()}
	for _, ix := range slices.Sorted(slices.Values(indexes)) {
		resources = append(resources, jsii.String(*table.TableArn()+"/index/"+ix))
	}
	actions := slices.Clone(tableReadActions)
	if access == "write" {
		actions = append(actions, tableWriteActions...)
	}
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	}))
}

func sesIdentityArn(stack awscdk.Stack, identity string) *string {
	return stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ses"), Resource: jsii.String("identity"),
		ResourceName: jsii.String(identity), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
}

// ruleTarget invokes fn with EventBridge retries; what EventBridge cannot
// deliver goes to dlq.
func ruleTarget(fn awslambda.IFunction, dlq awssqs.IQueue) awsevents.IRuleTarget {
	return awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: dlq,
		RetryAttempts:   jsii.Number(4),
		MaxEventAge:     awscdk.Duration_Hours(jsii.Number(2)),
	})
}
