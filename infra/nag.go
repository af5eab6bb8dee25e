package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// nagRule is one cdk-nag suppression: the rule, a one-line reason, and
// optionally the findings it covers (strings or {"regex": "/.../"}).
type nagRule struct {
	id, reason string
	appliesTo  []any
}

// suppress records rules in the CloudFormation metadata cdk-nag reads
// (Metadata.cdk_nag.rules_to_suppress) on c's resource, so the suppression
// survives into the template that infra/nag/nag.js checks.
func suppress(c constructs.IConstruct, rules ...nagRule) {
	res, ok := c.(awscdk.CfnResource)
	if !ok {
		res, ok = c.Node().DefaultChild().(awscdk.CfnResource)
		if !ok {
			panic("suppress: " + *c.Node().Path() + " has no CloudFormation resource") // a programming error in this package
		}
	}
	var list []any
	if m, ok := res.GetMetadata(jsii.String("cdk_nag")).(map[string]any); ok {
		if prev, ok := m["rules_to_suppress"].([]any); ok {
			list = prev
		}
	}
	for _, r := range rules {
		e := map[string]any{"id": r.id, "reason": r.reason}
		if len(r.appliesTo) > 0 {
			e["applies_to"] = r.appliesTo
		}
		list = append(list, e)
	}
	res.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": list})
}
