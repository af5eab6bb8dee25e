// Package app is the core every function is wired from: configuration,
// logger, clock, the DynamoDB store, sessions, audit, rate limits and the
// current-password check, the catalog's route check and the Lambda
// adapters. Each function's wiring sits in its own package beside it, named
// after the function or the capability it serves (authwire, profilewire,
// twofactorwire, verificationwire, sessionswire, dailysummarywire,
// billingwire, ...), so a function's binary links only the capabilities it
// serves; package all maps every function of the catalog to its wiring for
// the local gateway, make invoke and the tests. Functions build their AWS
// SDK configuration from the variables Lambda sets (LambdaAWSConfig), not
// config.LoadDefaultConfig, which would link about 2 MB of credential
// providers, and make no network call at init.
package app
