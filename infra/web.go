package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"
)

// webPrefix is where the page lives in its bucket and, behind the front
// door, the path it is served under (the API keeps /v1).
const webPrefix = "web/"

// webPage is the reference My Profile page (web/, built by `make web`)
// served from CloudFront: its own distribution, or the front door's under
// /web/ when the front door is on.
type webPage struct {
	bucket awss3.Bucket
	// dist serves the page; url is where people open it and origin is
	// https://<the distribution's domain>, which the API's and the uploads
	// bucket's CORS allow.
	dist        awscloudfront.Distribution
	url, origin *string
	prefix      string // object key prefix: "" or webPrefix
}

// checkWebDir says what is missing when the page is on but not built.
func checkWebDir(dir string) error {
	for _, f := range []string{"index.html", "app.js", "style.css"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("context %s: %s has no %s: run `make web` first (or set %s to the built page): %w", CtxWebPage, dir, f, CtxWebPageDir, err)
		}
	}
	return nil
}

// newWebBucket is the private, encrypted bucket of the page's files, which
// every deploy replaces from the built page (retained on stack deletion,
// as CloudFormation cannot delete a bucket with objects).
func newWebBucket(stack awscdk.Stack) awss3.Bucket {
	b := awss3.NewBucket(stack, jsii.String("WebPage"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	suppress(b, nagRule{"AwsSolutions-S1", "The bucket holds only the built public page, written by the stack's deployment; CloudFront serves it.", nil})
	return b
}

// webResponseHeaders keeps the page to its own scripts (as the local
// gateway does); the API and avatar pictures are on other origins.
func webResponseHeaders(stack awscdk.Stack) awscloudfront.ResponseHeadersPolicy {
	return awscloudfront.NewResponseHeadersPolicy(stack, jsii.String("WebPageHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("My Profile reference page: CSP, nosniff, no referrer, no framing"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
					"img-src 'self' data: blob: https:; connect-src 'self' https:; frame-src 'self'; " +
					"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
				Override: jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true),
			},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true),
			},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)), Override: jsii.Bool(true),
			},
		},
	})
}

// newWebPage serves the page from a distribution of its own (the front
// door off): the page calls the API on its execute-api origin, which
// config.json names at deploy time, and the API's CORS allows the page's
// origin.
func newWebPage(stack awscdk.Stack) *webPage {
	b := newWebBucket(stack)
	dist := awscloudfront.NewDistribution(stack, jsii.String("WebPageCdn"), &awscloudfront.DistributionProps{
		Comment:           jsii.String("My Profile reference page"),
		DefaultRootObject: jsii.String("index.html"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(b, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: webResponseHeaders(stack),
		},
		PriceClass:  awscloudfront.PriceClass_PRICE_CLASS_100,
		HttpVersion: awscloudfront.HttpVersion_HTTP2_AND_3,
	})
	suppress(dist,
		nagRule{"AwsSolutions-CFR1", "A public page for every country the product serves.", nil},
		nagRule{"AwsSolutions-CFR2", "Static, read-only files; the API it calls has its own throttling (and the front door's WAF when on).", nil},
		nagRule{"AwsSolutions-CFR3", "Access logs of a static page carry no audit value; API requests are logged at the API.", nil},
		nagRule{"AwsSolutions-CFR4", "The default *.cloudfront.net certificate cannot pin TLS 1.2; attach a custom domain and certificate to enforce it.", nil},
	)
	origin := jsii.String("https://" + *dist.DistributionDomainName())
	return &webPage{bucket: b, dist: dist, url: jsii.String(*origin + "/"), origin: origin}
}

// addWebPageToFrontDoor serves the page under /web/ of the front door: the
// page and the API share one origin, so the page calls /v1 on its own
// origin and needs no CORS from the API.
func addWebPageToFrontDoor(stack awscdk.Stack, door *frontDoor) *webPage {
	b := newWebBucket(stack)
	door.dist.AddBehavior(jsii.String("/"+webPrefix+"*"), awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(b, nil), &awscloudfront.AddBehaviorOptions{
		ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
		AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
		CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		ResponseHeadersPolicy: webResponseHeaders(stack),
	})
	origin := jsii.String("https://" + *door.dist.DistributionDomainName())
	return &webPage{bucket: b, dist: door.dist, url: jsii.String(*origin + "/" + webPrefix + "index.html"), origin: origin, prefix: webPrefix}
}

// deploy copies the built page (dir) into the bucket with a config.json
// naming the API origin (apiOrigin; "" for the page's own origin), which
// the page reads when it was built without API_ORIGIN, and invalidates the
// page's paths in CloudFront.
func (w *webPage) deploy(stack awscdk.Stack, dir string, apiOrigin *string) {
	props := &awss3deployment.BucketDeploymentProps{
		Sources: &[]awss3deployment.ISource{
			awss3deployment.Source_Asset(jsii.String(dir), nil),
			awss3deployment.Source_JsonData(jsii.String("config.json"), map[string]any{"apiOrigin": apiOrigin}, nil),
		},
		DestinationBucket: w.bucket,
		Distribution:      w.dist,
		DistributionPaths: jsii.Strings("/" + w.prefix + "*"),
		Prune:             jsii.Bool(true),
		CacheControl:      &[]awss3deployment.CacheControl{awss3deployment.CacheControl_NoCache()},
	}
	if w.prefix != "" {
		props.DestinationKeyPrefix = jsii.String(w.prefix)
	}
	dep := awss3deployment.NewBucketDeployment(stack, jsii.String("WebPageDeployment"), props)
	// The deployment's handler is CDK's own singleton function: its role
	// and the grants BucketDeployment gives it are CDK's, scoped to the
	// asset bucket, the page's bucket and the invalidation.
	role := dep.HandlerRole()
	suppress(role, nagRule{"AwsSolutions-IAM4", "CDK's BucketDeployment handler logs with the AWS managed basic execution role; it runs only during deployments.",
		[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}})
	if pol := role.Node().TryFindChild(jsii.String("DefaultPolicy")); pol != nil {
		suppress(pol, nagRule{"AwsSolutions-IAM5", "CDK's BucketDeployment grants: read of the CDK asset bucket's objects, write and prune of the page's bucket (object wildcards), and CloudFront invalidations, which it creates and waits for.", nil})
	}
}
