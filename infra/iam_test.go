package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// render turns a resource or action value of a policy statement into text:
// {"Ref": X} -> ${X}, {"Fn::GetAtt": [X, A]} -> ${X.A}, Fn::Join joined.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if r, ok := x["Ref"].(string); ok {
			return "${" + r + "}"
		}
		if a, ok := x["Fn::GetAtt"].([]any); ok && len(a) == 2 {
			return fmt.Sprintf("${%v.%v}", a[0], a[1])
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, render(p))
			}
			return strings.Join(parts, sep)
		}
	}
	return mustJSON(v)
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// Actions that have no resource-level permissions, so "*" is the narrowest
// resource. sns:Publish to a phone number is authorized only on "*"; the
// stack pairs it with a Deny on every SNS ARN (checked below).
var starOnly = map[string]bool{"xray:PutTraceSegments": true, "xray:PutTelemetryRecords": true, "sns:Publish": true}

// narrowest says, per service, what a resource must look like: the ARNs of
// the stack's own table, identities, queues, bucket prefixes, log groups
// and bus, never a wildcard.
func narrowest(tmpl map[string]any, service, res string) bool {
	ids := func(typ string) []string {
		var out []string
		for id := range resources(tmpl, typ) {
			out = append(out, id)
		}
		return out
	}
	refersTo := func(typ, suffix string) bool {
		for _, id := range ids(typ) {
			if strings.HasPrefix(res, "${"+id+".Arn}") && strings.HasSuffix(res, suffix) {
				return true
			}
		}
		return false
	}
	switch service {
	case "dynamodb":
		for _, id := range ids("AWS::DynamoDB::Table") {
			if res == "${"+id+".Arn}" || strings.HasPrefix(res, "${"+id+".Arn}/index/") && !strings.Contains(res, "*") {
				return true
			}
		}
	case "ses":
		return !strings.Contains(res, "*") && (strings.Contains(res, ":identity/") || strings.Contains(res, ":configuration-set/"))
	case "sqs":
		return refersTo("AWS::SQS::Queue", "}")
	case "s3":
		return refersTo("AWS::S3::Bucket", "/"+uploadsPrefix+"*") || refersTo("AWS::S3::Bucket", "/"+avatarsPrefix+"*") ||
			refersTo("AWS::S3::Bucket", "}") && !strings.Contains(res, "*")
	case "logs":
		return refersTo("AWS::Logs::LogGroup", "}")
	case "events":
		return strings.Contains(res, ":event-bus/") && !strings.Contains(res, "*")
	case "kms":
		return strings.Contains(res, ":key/") && !strings.Contains(res, "*")
	case "secretsmanager":
		// The generated data key, or the named one (its ARN with "-??????"
		// for the suffix Secrets Manager adds to a name).
		for _, id := range ids("AWS::SecretsManager::Secret") {
			if res == "${"+id+"}" {
				return true
			}
		}
		return strings.Contains(res, ":secret:") && !strings.Contains(res, "*")
	}
	return false
}

// privilegeProblems walks every identity policy of the template and
// reports wildcard actions, "*" resources where a narrower one exists,
// resources that are not the stack's own, and managed policies on the
// functions' roles.
func privilegeProblems(tmpl map[string]any) []string {
	var out []string
	type policy struct {
		where string
		roles []string
		sts   []any
	}
	var policies []policy
	for id, r := range resources(tmpl, "AWS::IAM::Policy") {
		var roles []string
		for _, x := range list(props(r)["Roles"]) {
			roles = append(roles, ref(x))
		}
		policies = append(policies, policy{id, roles, list(props(r)["PolicyDocument"].(map[string]any)["Statement"])})
	}
	for id, r := range resources(tmpl, "AWS::IAM::Role") {
		for _, p := range list(props(r)["Policies"]) {
			policies = append(policies, policy{id + " inline", []string{id}, list(p.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"])})
		}
		for _, arn := range list(props(r)["ManagedPolicyArns"]) {
			// Only CDK's deploy-time bucket-notification handler keeps its
			// basic execution role (logs only).
			if !strings.HasPrefix(id, "BucketNotificationsHandler") || !strings.HasSuffix(render(arn), "service-role/AWSLambdaBasicExecutionRole") {
				out = append(out, fmt.Sprintf("role %s: managed policy %s", id, render(arn)))
			}
		}
	}
	// Roles with a Deny of sns:Publish on every SNS ARN.
	denied := map[string]bool{}
	for _, p := range policies {
		for _, st := range p.sts {
			st := st.(map[string]any)
			if st["Effect"] == "Deny" && slices.Contains(strs(st["Action"]), "sns:Publish") && slices.Contains(strs(st["Resource"]), "arn:aws:sns:*:*:*") {
				for _, r := range p.roles {
					denied[r] = true
				}
			}
		}
	}
	for _, p := range policies {
		for _, st := range p.sts {
			st := st.(map[string]any)
			if st["Effect"] != "Allow" {
				continue
			}
			if st["NotAction"] != nil || st["NotResource"] != nil {
				out = append(out, fmt.Sprintf("%s: NotAction/NotResource in %v", p.where, mustJSON(st)))
			}
			actions := strs(st["Action"])
			var res []string
			for _, r := range list(st["Resource"]) {
				res = append(res, render(r))
			}
			for _, a := range actions {
				if strings.Contains(a, "*") {
					out = append(out, fmt.Sprintf("%s: wildcard action %q", p.where, a))
					continue
				}
				service, _, _ := strings.Cut(a, ":")
				for _, r := range res {
					switch {
					case r == "*" && starOnly[a]:
						if a == "sns:Publish" {
							for _, role := range p.roles {
								if !denied[role] {
									out = append(out, fmt.Sprintf("%s: sns:Publish on * without the Deny on topics for role %s", p.where, role))
								}
							}
						}
					case r == "*":
						out = append(out, fmt.Sprintf("%s: %s on resource * where a narrower resource exists", p.where, a))
					case !narrowest(tmpl, service, r):
						out = append(out, fmt.Sprintf("%s: %s on %s, not one of the stack's own resources (or a wildcard)", p.where, a, r))
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestIAMIsLeastPrivilege(t *testing.T) {
	for name, tmpl := range map[string]map[string]any{"real": realJSON, "fixture": fixtureJSON} {
		t.Run(name, func(t *testing.T) {
			if len(resources(tmpl, "AWS::IAM::Policy")) == 0 {
				t.Fatal("no policies: the walk would prove nothing")
			}
			for _, p := range privilegeProblems(tmpl) {
				t.Error(p)
			}
		})
	}
}

// The walker itself catches what it is for.
func TestPrivilegeWalkerFindsWildcards(t *testing.T) {
	bad := map[string]any{"Resources": map[string]any{
		"T1":  map[string]any{"Type": "AWS::DynamoDB::Table"},
		"Fn1": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"ManagedPolicyArns": []any{"arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"}}},
		"P1": map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{
			"Roles": []any{map[string]any{"Ref": "Fn1"}},
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Effect": "Allow", "Action": "dynamodb:*", "Resource": map[string]any{"Fn::GetAtt": []any{"T1", "Arn"}}},
				map[string]any{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"},
				map[string]any{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:*"},
				map[string]any{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"},
				map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other-bucket/*"},
			}},
		}},
	}}
	got := strings.Join(privilegeProblems(bad), "\n")
	for _, want := range []string{
		`wildcard action "dynamodb:*"`,
		"dynamodb:GetItem on resource *",
		"sqs:SendMessage on arn:aws:sqs:*:*:*",
		"sns:Publish on * without the Deny",
		"s3:GetObject on arn:aws:s3:::other-bucket/*",
		"managed policy arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("walker missed %q; it reported:\n%s", want, got)
		}
	}
}
