// Package catalog is the single list of Lambda functions, their HTTP routes,
// schedules and event subscriptions, the capabilities (packages under
// shared/) each one runs and what it needs from AWS (the stack grants
// exactly that). The CDK stack (infra/), the local gateway and make invoke
// all read it, so a route cannot exist in one and not the other; a test
// keeps api/openapi.yaml equal to it, and others keep the README's function
// table and size in step (readme_test.go). A function's DynamoDB actions
// (Needs.Actions, Needs.Indexes) are exactly those its end-to-end tests
// call: shared/app/all checks every call against them and that every one
// is called (docs/security.md, "Least privilege").
//
// It is plain data and imports nothing from the capability packages.
package catalog
