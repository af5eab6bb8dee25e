package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/infra/cors"
)

// Key prefixes of the uploads bucket (shared/avatar UploadPrefix and
// AvatarPrefix). Browsers POST (presigned by the profile-edit function) under
// uploadsPrefix; S3 notifies the storage function, which reads the raw
// upload, writes renditions under avatarsPrefix and deletes the raw one.
// Raw uploads expire after a day whatever happens. Renditions are public
// through a CloudFront distribution (AVATAR_BASE_URL) whose origin access
// control may read avatarsPrefix only: the bucket itself stays private.
const (
	uploadsPrefix = "uploads/"
	avatarsPrefix = "avatars/"
)

// accessLogFormat is one JSON object per request. No header, query string
// or body is logged: the Authorization header and codes never reach it.
const accessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey",` +
	`"status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength",` +
	`"latency":"$context.responseLatency","integrationLatency":"$context.integrationLatency",` +
	`"integrationError":"$context.integrationErrorMessage","userAgent":"$context.identity.userAgent"}`

// newHTTPAPI builds the HTTP API with its $default stage: route throttling,
// JSON access logs and CORS from the settings and pageOrigins (the
// reference page's, resolved at deploy time). HTTP APIs have no X-Ray
// integration; traces start in the functions (active tracing).
func newHTTPAPI(stack awscdk.Stack, s settings, logRemoval awscdk.RemovalPolicy, pageOrigins []*string) (awsapigatewayv2.HttpApi, awsapigatewayv2.HttpStage) {
	props := &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("My Profile API (" + s.stage + ")"),
		CreateDefaultStage: jsii.Bool(false),
	}
	if origins := append(*jsii.Strings(s.corsOrigins...), pageOrigins...); len(origins) > 0 {
		// Bearer tokens, no cookies: credentials are never allowed, and the
		// origins are listed (validOrigin refuses "*").
		props.CorsPreflight = &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: &origins,
			// The rules the local gateway answers with too (package cors).
			AllowMethods:     corsMethods(),
			AllowHeaders:     jsii.Strings(cors.AllowHeaders...),
			ExposeHeaders:    jsii.Strings(cors.ExposeHeaders...),
			AllowCredentials: jsii.Bool(false),
			MaxAge:           awscdk.Duration_Seconds(jsii.Number(cors.MaxAge.Seconds())),
		}
	}
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), props)
	stage := awsapigatewayv2.NewHttpStage(stack, jsii.String("ApiStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(float64(s.throttleRate)),
			BurstLimit: jsii.Number(float64(s.throttleBurst)),
		},
	})
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     s.logRetention,
		RemovalPolicy: logRemoval,
	})
	cfn := stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfn.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat),
	})
	return api, stage
}

// newUploadsBucket is the private, encrypted, retained bucket of avatar
// uploads; browsers on the corsOrigins and pageOrigins may post to it.
func newUploadsBucket(stack awscdk.Stack, s settings, pageOrigins []*string) awss3.Bucket {
	props := &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		// No versioning: a deleted avatar must really be gone (account
		// deletion); raw uploads are transient.
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-raw-uploads"),
			Prefix:                              jsii.String(uploadsPrefix),
			Expiration:                          awscdk.Duration_Days(jsii.Number(1)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	}
	if origins := append(*jsii.Strings(s.corsOrigins...), pageOrigins...); len(origins) > 0 {
		// Browsers POST the presigned form from the app's origins.
		props.Cors = &[]*awss3.CorsRule{{
			AllowedOrigins: &origins,
			AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_POST},
			AllowedHeaders: jsii.Strings("content-type"),
			MaxAge:         jsii.Number(3600),
		}}
	}
	b := awss3.NewBucket(stack, jsii.String("Uploads"), props)
	suppress(b, nagRule{"AwsSolutions-S1", "Objects are written only through short-lived presigned POSTs of the API, which logs who asked for each; enable CloudTrail S3 data events for object-level audit if required.", nil})
	return b
}

// grantUploads gives the storage function read of raw uploads, write of
// renditions and delete of both; any other function (profile-edit) presigns
// POSTs of raw uploads and deletes renditions. These are the calls
// shared/store/avatar.go makes (DeleteObjects is authorized per key by
// s3:DeleteObject).
func grantUploads(fn awslambda.Function, u *uploads, storage bool) {
	stmt := func(action string, prefixes ...string) {
		var res []*string
		for _, p := range prefixes {
			res = append(res, u.bucket.ArnForObjects(jsii.String(p+"*")))
		}
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings(action), Resources: &res,
		}))
	}
	if storage {
		stmt("s3:GetObject", uploadsPrefix)
		stmt("s3:PutObject", avatarsPrefix)
		stmt("s3:DeleteObject", uploadsPrefix, avatarsPrefix)
		// Without list permission S3 answers 403, not 404, for a key that is
		// gone: a redelivered event for an upload already processed would be
		// retried into the DLQ. Listing is limited to the raw uploads.
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:    jsii.Strings("s3:ListBucket"),
			Resources:  &[]*string{u.bucket.BucketArn()},
			Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": []string{uploadsPrefix + "*"}}},
		}))
	} else {
		stmt("s3:PutObject", uploadsPrefix)
		stmt("s3:DeleteObject", avatarsPrefix)
	}
	fn.AddEnvironment(jsii.String("UPLOADS_BUCKET"), u.bucket.BucketName(), nil)
	fn.AddEnvironment(jsii.String("AVATAR_BASE_URL"), u.baseURL, nil)
}

// uploads is the bucket and the public base URL of its avatars.
type uploads struct {
	bucket  awss3.Bucket
	cdn     awscloudfront.Distribution
	baseURL *string
}

// newAvatarCDN serves avatarsPrefix of the bucket over HTTPS. Its origin
// access control is granted s3:GetObject on avatarsPrefix only, so a
// request for any other key (raw uploads) is refused by S3.
func newAvatarCDN(stack awscdk.Stack, b awss3.Bucket) *uploads {
	oac := awscloudfront.NewS3OriginAccessControl(stack, jsii.String("AvatarsAccessControl"), &awscloudfront.S3OriginAccessControlProps{
		Description: jsii.String("CloudFront reads avatar renditions"),
		Signing:     awscloudfront.Signing_SIGV4_ALWAYS(),
	})
	dist := awscloudfront.NewDistribution(stack, jsii.String("Avatars"), &awscloudfront.DistributionProps{
		Comment: jsii.String("My Profile avatars"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:               awscloudfrontorigins.S3BucketOrigin_WithBucketDefaults(b, nil),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:          awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		},
		PriceClass:  awscloudfront.PriceClass_PRICE_CLASS_100,
		HttpVersion: awscloudfront.HttpVersion_HTTP2_AND_3,
	})
	cfn := dist.Node().DefaultChild().(awscloudfront.CfnDistribution)
	cfn.AddPropertyOverride(jsii.String("DistributionConfig.Origins.0.OriginAccessControlId"), oac.OriginAccessControlId())
	suppress(dist,
		nagRule{"AwsSolutions-CFR1", "Avatars are public pictures meant for every country the product serves.", nil},
		nagRule{"AwsSolutions-CFR2", "A static, read-only image origin with caching; no WAF rule would protect anything the private bucket does not.", nil},
		nagRule{"AwsSolutions-CFR3", "Access logs of public avatar images carry no audit value; API requests are logged at the API.", nil},
		nagRule{"AwsSolutions-CFR4", "The default *.cloudfront.net certificate cannot pin TLS 1.2; attach a custom domain and certificate to enforce it.", nil},
	)
	distArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("cloudfront"), Region: jsii.String(""),
		Resource: jsii.String("distribution"), ResourceName: dist.DistributionId(),
	})
	b.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudFrontReadsAvatars"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudfront.amazonaws.com"), nil)},
		Actions:    jsii.Strings("s3:GetObject"),
		Resources:  &[]*string{b.ArnForObjects(jsii.String(avatarsPrefix + "*"))},
		Conditions: &map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": distArn}},
	}))
	return &uploads{bucket: b, cdn: dist, baseURL: jsii.String("https://" + *dist.DistributionDomainName())}
}

// newWorkQueue is an encrypted SQS queue with a dead-letter queue after 5
// receives; the visibility timeout is six times the consumer's timeout, as
// Lambda recommends for SQS event sources.
func newWorkQueue(stack awscdk.Stack, q *workQueue) (queue, dlq awssqs.Queue) {
	dlq = awssqs.NewQueue(stack, jsii.String(q.id+"DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	suppress(dlq, nagRule{"AwsSolutions-SQS3", "This queue is the dead-letter queue of the " + q.name + " queue.", nil})
	timeout := DefaultTimeoutSec
	if q.consumer != nil {
		timeout = q.consumer.timeout
	}
	queue = awssqs.NewQueue(stack, jsii.String(q.id), &awssqs.QueueProps{
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(float64(6 * timeout))),
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(4)),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(5)},
	})
	return queue, dlq
}

// notificationsHandler adjusts the Lambda that CDK deploys to configure
// the bucket's notifications (a deploy-time custom resource, not part of
// the running service): a log group with the stack's retention, and the
// justification of its cdk-nag findings.
func notificationsHandler(stack awscdk.Stack, s settings, logRemoval awscdk.RemovalPolicy) {
	const prefix = "BucketNotificationsHandler"
	for _, c := range *stack.Node().Children() {
		if id := *c.Node().Id(); len(id) < len(prefix) || id[:len(prefix)] != prefix {
			continue
		}
		if role := c.Node().TryFindChild(jsii.String("Role")); role != nil {
			suppress(role, nagRule{"AwsSolutions-IAM4", "CDK's deploy-time bucket-notification handler uses AWSLambdaBasicExecutionRole to write its own logs; its only other permission is s3:PutBucketNotification on the uploads bucket.", []any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}})
		}
		if fn, ok := c.Node().TryFindChild(jsii.String("Resource")).(awscdk.CfnResource); ok {
			logs := awslogs.NewLogGroup(stack, jsii.String("BucketNotificationsLogs"), &awslogs.LogGroupProps{
				Retention:     s.logRetention,
				RemovalPolicy: logRemoval,
			})
			fn.AddPropertyOverride(jsii.String("LoggingConfig.LogGroup"), logs.LogGroupName())
		}
	}
}

func corsMethods() *[]awsapigatewayv2.CorsHttpMethod {
	var out []awsapigatewayv2.CorsHttpMethod
	for _, m := range cors.AllowMethods {
		out = append(out, awsapigatewayv2.CorsHttpMethod(m))
	}
	return &out
}
