package app

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// LambdaAWSConfig is the SDK configuration of a function, from the variables
// Lambda sets: the region (AWS_REGION), the execution role's credentials
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and the
// standard endpoint overrides (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>,
// which the local gateway uses; the service clients resolve them as with
// config.LoadDefaultConfig). It replaces LoadDefaultConfig, whose shared
// files, SSO, STS and IMDS providers a Lambda never uses and which add about
// 2 MB to every binary. It makes no network call.
func LambdaAWSConfig(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, errors.New("aws config: AWS_REGION is not set")
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return aws.Config{}, errors.New("aws config: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the execution role)")
	}
	cfg := aws.Config{
		Region:        region,
		Credentials:   aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))),
		ConfigSources: []any{envEndpoints{getenv: getenv}},
	}
	if v := getenv("AWS_ENDPOINT_URL"); v != "" {
		cfg.BaseEndpoint = aws.String(v)
	}
	return cfg, nil
}

// envEndpoints answers the service clients' question for a service's base
// endpoint from AWS_ENDPOINT_URL_<SERVICE ID> (e.g. DYNAMODB, SESV2), the
// variable names config.LoadDefaultConfig reads.
type envEndpoints struct{ getenv func(string) string }

// GetServiceBaseEndpoint implements the SDK's service-endpoint source.
func (e envEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v := e.getenv("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_")))
	return v, v != "", nil
}
