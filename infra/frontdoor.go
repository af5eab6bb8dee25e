package main

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/myprofile/shared/httpapi"
)

// webACLARN matches the ARN of a CLOUDFRONT-scope WAF web ACL (always in
// us-east-1, "global" in the ARN).
var webACLARN = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]+/[a-f0-9-]+$`)

// frontDoor is the optional CloudFront distribution in front of the HTTP
// API and what the functions need to refuse requests that skipped it.
type frontDoor struct {
	dist awscloudfront.Distribution
	// secret is the X-Origin-Verify value as a CloudFormation dynamic
	// reference to the generated secret, resolved at deploy time.
	secret *string
}

// newFrontDoor puts a CloudFront distribution with a WAF web ACL (a
// rate-based rule per client IP and the AWS managed common rule set) in
// front of the API. CloudFront adds a secret header to every request it
// forwards; the functions refuse any request without it
// (httpapi.OriginGuard), so calling the execute-api endpoint directly,
// around the WAF, gets 403.
//
// A CLOUDFRONT-scope web ACL can only be created in us-east-1. With
// frontDoorWebAclArn the stack uses one made elsewhere (any region for
// this stack); without it the stack creates the ACL itself, which needs
// the stack in us-east-1: a pinned other region fails the synth, and an
// environment-agnostic stack carries a template rule that fails the deploy
// early anywhere but us-east-1.
func newFrontDoor(stack awscdk.Stack, s settings, api awsapigatewayv2.HttpApi) (*frontDoor, error) {
	aclArn := s.frontDoorWebACL
	if aclArn == "" {
		region := stack.Region()
		if !*awscdk.Token_IsUnresolved(region) && *region != "us-east-1" {
			return nil, fmt.Errorf("context %s: a CloudFront web ACL can only be created in us-east-1, and this stack is in %s; create it there and name it with context %s", CtxFrontDoor, *region, CtxFrontDoorWebACL)
		}
		awscdk.NewCfnRule(stack, jsii.String("FrontDoorNeedsUsEast1"), &awscdk.CfnRuleProps{
			Assertions: &[]*awscdk.CfnRuleAssertion{{
				Assert:            awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String("us-east-1")),
				AssertDescription: jsii.String("The front door's web ACL (scope CLOUDFRONT) can only be created in us-east-1: deploy there, or set context " + CtxFrontDoorWebACL + " to a web ACL made in us-east-1."),
			}},
		})
		aclArn = *newWebACL(stack, s).AttrArn()
	}

	sec := awssecretsmanager.NewSecret(stack, jsii.String("OriginVerify"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Value of the " + httpapi.OriginVerifyHeader + " header the front door adds; the functions refuse requests without it (ORIGIN_VERIFY_SECRET)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(48),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
	})
	suppress(sec, nagRule{"AwsSolutions-SMG4", "The origin header value is set at deploy time in CloudFront and in the functions together; rotating it is a redeploy with a new secret, never an automatic rotation that would put the two out of step.", nil})
	// A dynamic reference: the value is resolved by CloudFormation at
	// deploy time and is in no template.
	value := sec.SecretValue().UnsafeUnwrap()

	// "https://<id>.execute-api.<region>.amazonaws.com" -> the host.
	domain := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), api.ApiEndpoint(), nil))
	dist := awscloudfront.NewDistribution(stack, jsii.String("FrontDoor"), &awscloudfront.DistributionProps{
		Comment: jsii.String("My Profile API front door (" + s.stage + ")"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin: awscloudfrontorigins.NewHttpOrigin(domain, &awscloudfrontorigins.HttpOriginProps{
				ProtocolPolicy: awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
				CustomHeaders:  &map[string]*string{httpapi.OriginVerifyHeader: value},
			}),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			// An API: nothing is cached; every viewer header but Host (API
			// Gateway routes on its own host name) reaches the functions,
			// with CloudFront-Viewer-Address (the client IP).
			CachePolicy:         awscloudfront.CachePolicy_CACHING_DISABLED(),
			OriginRequestPolicy: awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
		},
		WebAclId:    jsii.String(aclArn),
		PriceClass:  awscloudfront.PriceClass_PRICE_CLASS_100,
		HttpVersion: awscloudfront.HttpVersion_HTTP2_AND_3,
	})
	suppress(dist,
		nagRule{"AwsSolutions-CFR1", "The API serves every country the product serves; the WAF's rate rule and managed rules apply everywhere.", nil},
		nagRule{"AwsSolutions-CFR3", "Requests are logged by the API's access log (and the functions); CloudFront access logs would duplicate them.", nil},
		nagRule{"AwsSolutions-CFR4", "The default *.cloudfront.net certificate cannot pin TLS 1.2; attach a custom domain and certificate to enforce it.", nil},
	)
	return &frontDoor{dist: dist, secret: value}, nil
}

// newWebACL is the front door's web ACL: a block of any client IP over
// frontDoorRateLimit requests in 5 minutes, then the AWS managed common
// rule set (OWASP-style request checks); everything else is allowed.
func newWebACL(stack awscdk.Stack, s settings) awswafv2.CfnWebACL {
	vis := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true), MetricName: jsii.String(name), SampledRequestsEnabled: jsii.Bool(true),
		}
	}
	return awswafv2.NewCfnWebACL(stack, jsii.String("FrontDoorAcl"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("CLOUDFRONT"),
		Description:      jsii.String("My Profile API (" + s.stage + "): per-IP rate limit and AWS managed common rules"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: vis("MyProfileApi"),
		Rules: []any{
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("RatePerIP"), Priority: jsii.Number(0),
				Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
					AggregateKeyType: jsii.String("IP"), Limit: jsii.Number(float64(s.frontDoorRateLimit)), EvaluationWindowSec: jsii.Number(300),
				}},
				Action:           &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]any{}},
				VisibilityConfig: vis("RatePerIP"),
			},
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("AWSManagedRulesCommonRuleSet"), Priority: jsii.Number(1),
				Statement: &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
					VendorName: jsii.String("AWS"), Name: jsii.String("AWSManagedRulesCommonRuleSet"),
				}},
				OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
				VisibilityConfig: vis("CommonRuleSet"),
			},
		},
	})
}
