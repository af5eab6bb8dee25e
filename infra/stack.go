package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/catalog"
	"github.com/example/myprofile/shared/store/schema"
)

// MyProfileStackProps configures the stack. Every field is optional: an
// empty field falls back to the context value (see the Ctx* keys), then to
// the Default* value. Settings without a field here are context only.
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
	// the MFA data key, which functions with Needs.Secrets read at first use
	// (MFA_DATA_KEY_SECRET). Default (""): the stack
	// generates a random secret of its own, retained on stack deletion, so no
	// deployment ever runs on a known key. "none": never supplied (only for
	// stacks whose functions never run in Lambda).
	MFADataKeySecret string
}

// settings is MyProfileStackProps and the context with every fallback applied.
type settings struct {
	stage, assetDir, appName, senderEmail, sesConfigSet, smsSenderID string
	logLevel, eventBusName, mfaSecret, mfaKMSKey, webauthnRPID       string
	connectionsSecret                                                string // "": no provider clients configured
	eventAccount                                                     string // "": the stack's own account
	ssoRedirectURL                                                   string // "": the functions' default (local)
	frontDoorWebACL                                                  string // "": the stack makes the web ACL
	frontDoor, webPage                                               bool
	webPageDir                                                       string
	frontDoorRateLimit                                               int
	sessionIdleTTL, sessionAbsoluteTTL                               string // Go durations, validated
	inviteTTL                                                        string // Go duration, validated
	domainEventSource                                                string // EVENT_SOURCE of the published domain events
	tableNamePrefix                                                  string
	alarmTopicArn, alarmEmail, metricsNamespace                      string
	webauthnOrigins, corsOrigins                                     []string
	signupEnabled, passwordComposition                               bool
	loginMaxFailures, loginMaxFailuresIP, dailySummaryRate           int
	loginWindow                                                      string // Go duration, validated
	throttleRate, throttleBurst, queueConcurrency, smsDailyBudget    int
	logRetentionDays                                                 int
	smsCountries                                                     []string
	logRetention                                                     awslogs.RetentionDays
	functions                                                        []catalog.Function
	schedules                                                        map[string]string
	eventSources                                                     map[string]string // event function name -> source its rule matches
}

// resolveSettings applies context values and defaults to props: it reads
// and checks every row of settingsTable in order, then resolves the
// schedules of the functions.
func resolveSettings(scope constructs.Construct, props *MyProfileStackProps) (settings, error) {
	if props == nil {
		props = &MyProfileStackProps{}
	}
	ctx := func(key string) any { return scope.Node().TryGetContext(jsii.String(key)) }
	s := settings{functions: props.Functions, schedules: map[string]string{}, eventSources: map[string]string{}}
	if s.functions == nil {
		s.functions = catalog.All()
	}
	var errs []error
	for _, st := range settingsTable {
		if err := st.read(&s, props, ctx); err != nil {
			errs = append(errs, err)
		}
		if st.check == nil {
			continue
		}
		if err := st.check(&s); err != nil {
			errs = append(errs, err)
		}
	}
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
		if f.Kind != catalog.Event {
			continue
		}
		src, err := contextString(ctx(CtxEventSourcePrefix + f.Name))
		if err != nil {
			errs = append(errs, fmt.Errorf("context %s%s: %w", CtxEventSourcePrefix, f.Name, err))
		}
		if src = strings.TrimSpace(src); src == "" {
			src = f.EventSource
		}
		if err := validEventSource(src); err != nil && src != "" {
			errs = append(errs, fmt.Errorf("context %s%s: %w", CtxEventSourcePrefix, f.Name, err))
		}
		s.eventSources[f.Name] = src
	}
	return s, errors.Join(errs...)
}

// env is the configuration every function reads through shared/config.
func (s settings) env() map[string]*string {
	env := map[string]*string{
		"STAGE":                     jsii.String(s.stage),
		"APP_NAME":                  jsii.String(s.appName),
		"SENDER_EMAIL":              jsii.String(s.senderEmail), // as configured, display name included
		"LOG_LEVEL":                 jsii.String(s.logLevel),
		"SIGNUP_ENABLED":            jsii.String(strconv.FormatBool(s.signupEnabled)),
		"SESSION_IDLE_TTL":          jsii.String(s.sessionIdleTTL),
		"SESSION_ABSOLUTE_TTL":      jsii.String(s.sessionAbsoluteTTL),
		"INVITE_TTL":                jsii.String(s.inviteTTL),
		"EVENT_SOURCE":              jsii.String(s.domainEventSource),
		"METRICS_NAMESPACE":         jsii.String(s.metricsNamespace),
		"PASSWORD_COMPOSITION":      jsii.String(strconv.FormatBool(s.passwordComposition)),
		"LOGIN_MAX_FAILURES":        jsii.String(strconv.Itoa(s.loginMaxFailures)),
		"LOGIN_MAX_FAILURES_PER_IP": jsii.String(strconv.Itoa(s.loginMaxFailuresIP)),
		"LOGIN_WINDOW":              jsii.String(s.loginWindow),
		"DAILY_SUMMARY_SEND_RATE":   jsii.String(strconv.Itoa(s.dailySummaryRate)),
		"SMS_DAILY_BUDGET":          jsii.String(strconv.Itoa(s.smsDailyBudget)),
	}
	opt := map[string]string{
		"SES_CONFIGURATION_SET": s.sesConfigSet,
		"SMS_SENDER_ID":         s.smsSenderID,
		"WEBAUTHN_RP_ID":        s.webauthnRPID,
		"WEBAUTHN_ORIGINS":      strings.Join(s.webauthnOrigins, ","),
		"SMS_COUNTRIES":         strings.Join(s.smsCountries, ","),
		"SSO_REDIRECT_URL":      s.ssoRedirectURL,
	}
	for k, v := range opt {
		if v != "" {
			env[k] = jsii.String(v)
		}
	}
	return env
}

// planned is one catalog function, checked and ready to build.
type planned struct {
	fn       catalog.Function
	id       string // construct ID prefix, e.g. "DailySummary"
	asset    string // directory holding bootstrap
	routes   []Route
	schedule string
	indexes  []string
	memory   int
	timeout  int
}

// async reports whether Lambda invokes the function asynchronously (an
// EventBridge rule or an S3 notification), so it needs an on-failure
// destination.
func (p planned) async() bool {
	return p.fn.Kind == catalog.Schedule || p.fn.Kind == catalog.Event || p.fn.Kind == catalog.Storage
}

// workQueue is one SQS queue named by Needs.Queue: consumed by exactly one
// Kind Queue function, fed by the other functions that name it.
type workQueue struct {
	name      string
	id        string
	consumer  *planned
	producers []string
}

// layout is the checked catalog.
type layout struct {
	fns     []planned
	queues  []*workQueue // sorted by name
	uploads bool         // some function needs the uploads bucket
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// reservedIDs prefix the stack's own construct IDs (Table, TableThrottlesAlarm,
// ...): a function of that name would collide with them.
var reservedIDs = []string{"Table", "HttpApi", "Api", "ApiStage", "ApiAccessLogs", "Uploads", "Avatars", "AlarmTopic", "EventBus", "BucketNotifications"}

// plan checks every function against the catalog rules, the table
// definition and the assets, so that a bad catalog entry fails the synth
// with a message instead of deploying a half-wired function.
func plan(s settings, def schema.TableDefinition) (layout, error) {
	var errs []error
	seenID := map[string]string{}
	seenRoute := map[string]string{}
	indexNames := map[string]bool{}
	for _, ix := range def.Indexes {
		indexNames[ix.Name] = true
	}
	var out layout
	queues := map[string]*workQueue{}
	storage := ""
	for _, f := range s.functions {
		bad := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("function %q: %s", f.Name, fmt.Sprintf(format, a...)))
		}
		if !nameRE.MatchString(f.Name) {
			bad("name must be lower-case letters, digits and -")
			continue
		}
		p := planned{fn: f, id: constructID(f.Name), asset: filepath.Join(s.assetDir, f.Name),
			memory: f.MemoryMB, timeout: f.TimeoutSec}
		if p.memory == 0 {
			p.memory = DefaultMemoryMB
		}
		if p.timeout == 0 {
			p.timeout = DefaultTimeoutSec
		}
		if other, dup := seenID[p.id]; dup {
			bad("clashes with function %q", other)
			continue
		}
		if slices.Contains(reservedIDs, p.id) {
			bad("the name clashes with the stack's own %s constructs", p.id)
			continue
		}
		seenID[p.id] = f.Name
		if _, err := os.Stat(filepath.Join(p.asset, "bootstrap")); err != nil {
			bad("no %s (run make build): %v", filepath.Join(p.asset, "bootstrap"), err)
		}
		if f.MemoryMB < 0 || f.MemoryMB > 10240 || f.TimeoutSec < 0 || f.TimeoutSec > 900 {
			bad("memory %d MB / timeout %d s out of Lambda's range", f.MemoryMB, f.TimeoutSec)
		}
		n := f.Needs
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
		case catalog.Queue:
			if n.Queue == "" {
				bad("a queue function needs Needs.Queue, the queue it consumes")
			}
		case catalog.Storage:
			// One object-created notification per prefix: S3 refuses
			// overlapping notification configurations.
			if storage != "" {
				bad("only one storage function may consume %s (also %q)", uploadsPrefix, storage)
			}
			storage = f.Name
			out.uploads = true
		default:
			bad("unknown kind %q", f.Kind)
		}
		if f.Kind != catalog.HTTP && len(f.Routes) > 0 {
			bad("only http functions have routes")
		}
		seenAction := map[string]bool{}
		for _, a := range n.Actions {
			switch {
			case !slices.Contains(catalog.TableActions(), a):
				bad("Needs.Actions: %q is not one of %v", a, catalog.TableActions())
			case seenAction[a]:
				bad("Needs.Actions: %q twice", a)
			}
			seenAction[a] = true
		}
		for _, ix := range n.Indexes {
			if !indexNames[ix] {
				bad("Needs.Indexes: no index %q in schema.Definition()", ix)
			}
		}
		p.indexes = n.Indexes
		out.uploads = out.uploads || n.Uploads
		if n.Queue != "" {
			if !nameRE.MatchString(n.Queue) {
				bad("Needs.Queue %q: want lower-case letters, digits and -", n.Queue)
			} else {
				q := queues[n.Queue]
				if q == nil {
					q = &workQueue{name: n.Queue, id: constructID(n.Queue) + "Queue"}
					queues[n.Queue] = q
				}
				if f.Kind == catalog.Queue {
					if q.consumer != nil {
						bad("queue %q is already consumed by %q", n.Queue, q.consumer.fn.Name)
					}
					pp := p
					q.consumer = &pp
				} else {
					q.producers = append(q.producers, f.Name)
				}
			}
		}
		out.fns = append(out.fns, p)
	}
	for _, name := range slices.Sorted(maps.Keys(queues)) {
		q := queues[name]
		if q.consumer == nil {
			errs = append(errs, fmt.Errorf("queue %q (Needs.Queue of %s): no Kind Queue function consumes it", name, strings.Join(q.producers, ", ")))
		}
		if other, dup := seenID[q.id]; dup {
			errs = append(errs, fmt.Errorf("queue %q: construct ID clashes with function %q", name, other))
		}
		out.queues = append(out.queues, q)
	}
	return out, errors.Join(errs...)
}

// built is one deployed function with what the alarms watch.
type built struct {
	p   planned
	fn  awslambda.Function
	dlq awssqs.Queue // on-failure destination of async functions; nil otherwise
}

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
	lay, err := plan(s, def)
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
	logRemoval := awscdk.RemovalPolicy_RETAIN
	if dev {
		logRemoval = awscdk.RemovalPolicy_DESTROY
	}

	table := newTable(stack, def, dev, s.tableName())

	// The account the consumed platform events must come from.
	eventAccount := awscdk.Aws_ACCOUNT_ID()
	if s.eventAccount != "" {
		eventAccount = jsii.String(s.eventAccount)
	}
	var bus awsevents.IEventBus // nil: the account's default bus
	if s.eventBusName != "" {
		bus = awsevents.EventBus_FromEventBusName(stack, jsii.String("EventBus"), jsii.String(s.eventBusName))
	}

	// The page on a distribution of its own calls the API across origins:
	// the API's CORS allows the page's origin.
	var page *webPage
	var pageOrigins []*string
	if s.webPage && !s.frontDoor {
		page = newWebPage(stack)
		pageOrigins = append(pageOrigins, page.origin)
	}
	api, apiStage := newHTTPAPI(stack, s, logRemoval, pageOrigins)
	var door *frontDoor
	if s.frontDoor {
		if door, err = newFrontDoor(stack, s, api); err != nil {
			return nil, fmt.Errorf("stack %s: %w", id, err)
		}
	}
	if s.webPage {
		apiOrigin := api.ApiEndpoint()
		if door != nil {
			// One origin for the page and the API: no CORS at the API.
			page = addWebPageToFrontDoor(stack, door)
			pageOrigins = append(pageOrigins, page.origin)
			apiOrigin = jsii.String("")
		}
		page.deploy(stack, s.webPageDir, apiOrigin)
	}

	var up *uploads
	if lay.uploads {
		// The page posts avatars to the bucket from its origin.
		up = newAvatarCDN(stack, newUploadsBucket(stack, s, pageOrigins))
	}
	queues := map[string]awssqs.Queue{}
	var queueDLQs []awssqs.Queue
	for _, q := range lay.queues {
		queue, dlq := newWorkQueue(stack, q)
		queues[q.name] = queue
		queueDLQs = append(queueDLQs, dlq)
	}

	var fns []built
	// Secrets the functions read, referenced once (on first need).
	var dataKey, clients awssecretsmanager.ISecret
	var dataKeyID, clientsID *string
	for _, p := range lay.fns {
		f := p.fn
		env := s.env()
		env["TABLE_NAME"] = table.TableName()
		logGroup := awslogs.NewLogGroup(stack, jsii.String(p.id+"Logs"), &awslogs.LogGroupProps{
			Retention:     s.logRetention,
			RemovalPolicy: logRemoval,
		})
		// Its own role with no managed policy: logs to its own log group,
		// X-Ray segments, and the grants of its Needs below.
		role := awsiam.NewRole(stack, jsii.String(p.id+"Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("Runs the " + f.Name + " function"),
		})
		logGroup.GrantWrite(role)
		fprops := &awslambda.FunctionProps{
			Description:  jsii.String(f.Description),
			Code:         awslambda.Code_FromAsset(jsii.String(p.asset), nil),
			Handler:      jsii.String("bootstrap"),
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_ARM_64(),
			MemorySize:   jsii.Number(float64(p.memory)),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(float64(p.timeout))),
			Environment:  &env,
			LogGroup:     logGroup,
			Role:         role,
			Tracing:      awslambda.Tracing_ACTIVE,
		}
		// Schedules, events and S3 notifications invoke asynchronously:
		// after Lambda's own retries a failed event lands in the function's
		// dead-letter queue, which also takes events EventBridge could not
		// deliver at all.
		var dlq awssqs.Queue
		if p.async() {
			dlq = awssqs.NewQueue(stack, jsii.String(p.id+"DeadLetterQueue"), &awssqs.QueueProps{
				Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
				EnforceSSL:      jsii.Bool(true),
				RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
			})
			suppress(dlq, nagRule{"AwsSolutions-SQS3", "This queue is the dead-letter queue (on-failure destination) of " + f.Name + "; it needs none of its own.", nil})
			fprops.OnFailure = awslambdadestinations.NewSqsDestination(dlq)
			fprops.RetryAttempts = jsii.Number(2)
			fprops.MaxEventAge = awscdk.Duration_Hours(jsii.Number(6))
		}
		fn := awslambda.NewFunction(stack, jsii.String(p.id+"Function"), fprops)

		grantTable(fn, table, f.Needs.Actions, p.indexes)
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
			// The Sids keep the two apart from other statements when CDK minimizes policies.
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("SmsToPhoneNumbers"),
				Actions:   jsii.Strings("sns:Publish"),
				Resources: jsii.Strings("*"),
			}))
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("NoTopicsOrEndpoints"),
				Effect:    awsiam.Effect_DENY,
				Actions:   jsii.Strings("sns:Publish"),
				Resources: jsii.Strings("arn:aws:sns:*:*:*"),
			}))
		}
		if f.Needs.Secrets && s.mfaSecret != "" {
			// The functions read the key from Secrets Manager at first use
			// (MFA_DATA_KEY_SECRET, package datakey): the value is in no
			// template and in no function's configuration, which anyone
			// allowed lambda:GetFunctionConfiguration could read.
			if dataKey == nil { // one reference for every function
				dataKey, dataKeyID = mfaKeySecretRef(stack, s.mfaSecret)
			}
			dataKey.GrantRead(fn, nil)
			fn.AddEnvironment(jsii.String("MFA_DATA_KEY_SECRET"), dataKeyID, nil)
			if s.mfaKMSKey != "" {
				// The secret's customer managed key, used only through
				// Secrets Manager.
				fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid:       jsii.String("DecryptDataKeySecret"),
					Actions:   jsii.Strings("kms:Decrypt"),
					Resources: jsii.Strings(s.mfaKMSKey),
					Conditions: &map[string]any{"StringEquals": map[string]any{
						"kms:ViaService": awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("secretsmanager."), awscdk.Aws_REGION(), jsii.String(".amazonaws.com")}),
					}},
				}))
			}
		}
		if s.connectionsSecret != "" && slices.Contains(f.Capabilities, connectionsCapability) {
			// The providers' client ids and secrets, read at first use
			// (CONNECTIONS_SECRET, package connectionswire): this secret
			// alone, and only by the connected accounts' functions.
			if clients == nil {
				clients, clientsID = importedSecret(stack, "ConnectionsClientsImported", s.connectionsSecret)
			}
			clients.GrantRead(fn, nil)
			fn.AddEnvironment(jsii.String("CONNECTIONS_SECRET"), clientsID, nil)
		}
		if f.Needs.Events {
			target := bus
			if target == nil {
				target = awsevents.EventBus_FromEventBusName(stack, jsii.String(p.id+"DefaultBus"), jsii.String("default"))
			}
			target.GrantPutEventsTo(fn, nil)
			fn.AddEnvironment(jsii.String("EVENT_BUS_NAME"), target.EventBusName(), nil)
		}
		if f.Needs.Uploads || f.Kind == catalog.Storage {
			grantUploads(fn, up, f.Kind == catalog.Storage)
		}
		if q := f.Needs.Queue; q != "" && f.Kind != catalog.Queue {
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("sqs:SendMessage"),
				Resources: &[]*string{queues[q].QueueArn()},
			}))
			fn.AddEnvironment(jsii.String("QUEUE_URL"), queues[q].QueueUrl(), nil)
		}

		switch f.Kind {
		case catalog.HTTP:
			if door != nil {
				// The functions refuse requests that did not come through
				// the front door (httpapi.OriginGuard).
				fn.AddEnvironment(jsii.String("ORIGIN_VERIFY_SECRET"), door.secret, nil)
			}
			integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(p.id+"Integration"), fn, nil)
			for _, r := range p.routes {
				for _, route := range *api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
					Path:        jsii.String(r.Path),
					Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)},
					Integration: integration,
				}) {
					suppress(route, nagRule{"AwsSolutions-APIG4", "The function authenticates the session bearer token itself (shared/session, strongly consistent read on every request); sign-up and sign-in are public by design.", nil})
				}
			}
		case catalog.Schedule:
			awsevents.NewRule(stack, jsii.String(p.id+"Schedule"), &awsevents.RuleProps{
				Description: jsii.String("Runs " + f.Name + " on " + p.schedule),
				Schedule:    awsevents.Schedule_Expression(jsii.String(p.schedule)),
				Targets:     &[]awsevents.IRuleTarget{ruleTarget(fn, dlq)},
			})
		case catalog.Event:
			// Only events the platform's account put with the platform's
			// source: EventBridge sets "account" to the account of the
			// principal that called PutEvents, so no one outside that
			// account can forge one (docs/events.md says who may put
			// events on the bus).
			source := s.eventSources[f.Name]
			awsevents.NewRule(stack, jsii.String(p.id+"Events"), &awsevents.RuleProps{
				Description: jsii.String("Delivers " + source + " events from the platform's account to " + f.Name),
				EventBus:    bus,
				EventPattern: &awsevents.EventPattern{
					Source:     jsii.Strings(source),
					DetailType: jsii.Strings(f.DetailTypes...),
					Account:    &[]*string{eventAccount},
				},
				Targets: &[]awsevents.IRuleTarget{ruleTarget(fn, dlq)},
			})
		case catalog.Queue:
			// The consumer paces its sends by the concurrency it may reach.
			fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(queues[f.Needs.Queue], &awslambdaeventsources.SqsEventSourceProps{
				BatchSize:               jsii.Number(10),
				ReportBatchItemFailures: jsii.Bool(true),
				MaxConcurrency:          jsii.Number(float64(s.queueConcurrency)),
			}))
			fn.AddEnvironment(jsii.String("QUEUE_MAX_CONCURRENCY"), jsii.String(strconv.Itoa(s.queueConcurrency)), nil)
		case catalog.Storage:
			fn.AddEventSource(awslambdaeventsources.NewS3EventSource(up.bucket, &awslambdaeventsources.S3EventSourceProps{
				Events:  &[]awss3.EventType{awss3.EventType_OBJECT_CREATED},
				Filters: &[]*awss3.NotificationKeyFilter{{Prefix: jsii.String(uploadsPrefix)}},
			}))
		}
		// The grants above land in the role's default policy; the walker in
		// iam_test.go checks that "*" is used only where nothing narrower exists.
		if pol := role.Node().TryFindChild(jsii.String("DefaultPolicy")); pol != nil {
			suppress(pol,
				nagRule{"AwsSolutions-IAM5", "Resource * only for X-Ray PutTraceSegments/PutTelemetryRecords (no resource-level permissions) and SMS sns:Publish to phone numbers (authorized only on *, every SNS ARN denied).", []any{"Resource::*"}},
				nagRule{"AwsSolutions-IAM5", "S3 object permissions are scoped to one key prefix of the uploads bucket, the narrowest grant for per-user object keys.", []any{map[string]any{"regex": `/^Resource::<Uploads[0-9A-F]+\.Arn>\/(uploads|avatars)\/\*$/`}}})
		}
		fns = append(fns, built{p: p, fn: fn, dlq: dlq})
	}
	if up != nil {
		notificationsHandler(stack, s, logRemoval)
	}

	topic := alarmTopic(stack, s)
	newAlarms(stack, alarmInputs{
		topic: topic, api: api, table: table, fns: fns, queues: queues, queueDLQs: queueDLQs,
		email:            slices.ContainsFunc(lay.fns, func(p planned) bool { return p.fn.Needs.Email }),
		sms:              slices.ContainsFunc(lay.fns, func(p planned) bool { return p.fn.Needs.SMS }),
		metricsNamespace: s.metricsNamespace, smsDailyBudget: s.smsDailyBudget,
		events:    slices.ContainsFunc(lay.fns, func(p planned) bool { return p.fn.Needs.Events }),
		namespace: s.metricsNamespace,
	})

	busName := "default"
	if s.eventBusName != "" {
		busName = s.eventBusName
	}
	outputs := []struct {
		id, desc string
		value    *string
	}{
		{"ApiUrl", "Base URL of the HTTP API", apiStage.Url()},
		{"TableName", "The DynamoDB table", table.TableName()},
		{"EventBusName", "The EventBridge bus the event rules listen on", jsii.String(busName)},
		{"AlarmTopicArn", "The SNS topic every alarm notifies", topic.TopicArn()},
	}
	if door != nil {
		outputs = append(outputs, struct {
			id, desc string
			value    *string
		}{"FrontDoorUrl", "Base URL clients use: the CloudFront front door (the API URL answers 403)", jsii.String("https://" + *door.dist.DistributionDomainName())})
	}
	if page != nil {
		outputs = append(outputs, struct {
			id, desc string
			value    *string
		}{"WebPageUrl", "The reference My Profile page (CloudFront)", page.url})
	}
	if up != nil {
		outputs = append(outputs, []struct {
			id, desc string
			value    *string
		}{
			{"UploadsBucketName", "The S3 bucket of avatar uploads and renditions", up.bucket.BucketName()},
			{"AvatarBaseUrl", "Where avatar renditions are served from (CloudFront)", up.baseURL},
		}...)
	}
	for _, o := range outputs {
		awscdk.NewCfnOutput(stack, jsii.String(o.id), &awscdk.CfnOutputProps{Value: o.value, Description: jsii.String(o.desc)})
	}
	return stack, nil
}

// tableNamePrefix is what DynamoDB accepts in a table name, leaving room
// for the stage.
var tableNamePrefix = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,200}$`)

// tableName is <prefix>-<stage>, or nil without a prefix: CloudFormation
// names the table, so copies of the stack never collide.
func (s settings) tableName() *string {
	if s.tableNamePrefix == "" {
		return nil
	}
	return jsii.String(s.tableNamePrefix + "-" + s.stage)
}

// newTable builds the single table from the shared definition, named name
// (nil: CloudFormation names it).
func newTable(stack awscdk.Stack, def schema.TableDefinition, dev bool, name *string) awsdynamodb.Table {
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	table := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		TableName:    name,
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

// grantTable gives fn exactly the DynamoDB actions its Needs list on the
// table, and dynamodb:Query on each index it queries. The end-to-end tests
// check that the function calls these and nothing else (catalog.Needs).
// Transactions are authorized by the item actions they contain, so
// TransactWriteItems needs no action of its own.
func grantTable(fn awslambda.Function, table awsdynamodb.Table, actions, indexes []string) {
	if len(actions) > 0 {
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(slices.Sorted(slices.Values(actions))...),
			Resources: &[]*string{table.TableArn()},
		}))
	}
	if len(indexes) > 0 {
		var resources []*string
		for _, ix := range slices.Sorted(slices.Values(indexes)) {
			resources = append(resources, jsii.String(*table.TableArn()+"/index/"+ix))
		}
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("dynamodb:Query"),
			Resources: &resources,
		}))
	}
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

// generatedSecret marks settings.mfaSecret when the stack makes the key.
const generatedSecret = "<generated>"

// kmsKeyARN matches a KMS key ARN (not an alias: key policies and grants
// name keys).
var kmsKeyARN = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)

// completeSecretARN matches a secret ARN with Secrets Manager's six
// character suffix.
var completeSecretARN = regexp.MustCompile(`^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:.+-[A-Za-z0-9]{6}$`)

// mfaKeySecretRef is the 2FA data key's secret for grants and the id the
// functions read it by: the stack's generated one (its ARN), or the one
// named by context (as given: a name, a partial or a complete ARN).
func mfaKeySecretRef(stack awscdk.Stack, named string) (awssecretsmanager.ISecret, *string) {
	if named == generatedSecret {
		sec := mfaKeySecret(stack)
		return sec, sec.SecretArn()
	}
	return importedSecret(stack, "MfaDataKeyImported", named)
}

// connectionsCapability: the functions of this catalog capability read the
// secret named by CtxConnectionsSecret.
const connectionsCapability = "connections"

// importedSecret is a secret the deployer made, named by context (a name,
// a partial or a complete ARN), as construct id, and the id the functions
// read it by (as given).
func importedSecret(stack awscdk.Stack, construct, named string) (awssecretsmanager.ISecret, *string) {
	// Called once per stack: the caller keeps the reference (a construct
	// found again by TryFindChild is a plain Resource proxy, not an ISecret).
	id := jsii.String(construct)
	switch {
	case completeSecretARN.MatchString(named):
		return awssecretsmanager.Secret_FromSecretCompleteArn(stack, id, jsii.String(named)), jsii.String(named)
	case strings.HasPrefix(named, "arn:"):
		return awssecretsmanager.Secret_FromSecretPartialArn(stack, id, jsii.String(named)), jsii.String(named)
	default:
		return awssecretsmanager.Secret_FromSecretNameV2(stack, id, jsii.String(named)), jsii.String(named)
	}
}

// mfaKeySecret is the stack's own 2FA data key: 64 random letters and
// digits (about 380 bits; shared/config derives the AES-256 key from it).
// It is retained when the stack is deleted: without it the stored TOTP
// secrets cannot be opened.
func mfaKeySecret(stack awscdk.Stack) awssecretsmanager.Secret {
	if c := stack.Node().TryFindChild(jsii.String("MfaDataKey")); c != nil {
		return c.(awssecretsmanager.Secret)
	}
	sec := awssecretsmanager.NewSecret(stack, jsii.String("MfaDataKey"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Data key that seals the TOTP secrets and SMS sign-in codes (read by the 2FA functions, MFA_DATA_KEY_SECRET)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	suppress(sec, nagRule{"AwsSolutions-SMG4", "Rotating this key would make every sealed TOTP secret unreadable; it is changed by re-enrolment, not rotation.", nil})
	return sec
}
