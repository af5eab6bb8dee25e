package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNagAwsSolutions runs infra/nag/nag.js (cdk-nag's AwsSolutions pack)
// over both synthesized templates. It needs node and node_modules/cdk-nag
// (`make deps`); without them it is skipped, and `make nag` runs the same
// script over cdk.out.
func TestNagAwsSolutions(t *testing.T) {
	node := nagNode(t)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range templateFiles {
			if !yield(k) {
				return
			}
		}
	}) {
		t.Run(name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), node, filepath.Join("nag", "nag.js"), templateFiles[name])
			cmd.Env = append(os.Environ(), "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("cdk-nag AwsSolutions: %v\n%s", err, out)
			} else {
				t.Logf("%s", out)
			}
		})
	}
}

// nagNode returns node's path, or skips the test without cdk-nag.
func nagNode(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("../node_modules/cdk-nag/package.json"); err != nil {
		t.Skip("node_modules/cdk-nag is not installed (make deps)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH")
	}
	return node
}

// The script fails on an unsuppressed finding and honours a suppression
// written as resource metadata, the way the stack writes them.
func TestNagScriptFailsAndSuppresses(t *testing.T) {
	node := nagNode(t)
	run := func(tmpl map[string]any) (string, error) {
		p := filepath.Join(t.TempDir(), "t.template.json")
		if err := os.WriteFile(p, []byte(mustJSON(tmpl)), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.CommandContext(t.Context(), node, filepath.Join("nag", "nag.js"), p).CombinedOutput()
		return string(out), err
	}
	queue := func(meta map[string]any) map[string]any {
		r := map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{"SqsManagedSseEnabled": true}}
		if meta != nil {
			r["Metadata"] = meta
		}
		return map[string]any{"Resources": map[string]any{"Q": r}}
	}
	out, err := run(queue(nil))
	if err == nil || !strings.Contains(out, "AwsSolutions-SQS3") || !strings.Contains(out, "AwsSolutions-SQS4") {
		t.Errorf("a queue without DLQ and SSL policy: err %v, output:\n%s", err, out)
	}
	rules := []any{
		map[string]any{"id": "AwsSolutions-SQS3", "reason": "suppressed in a test of the script"},
		map[string]any{"id": "AwsSolutions-SQS4", "reason": "suppressed in a test of the script"},
	}
	out, err = run(queue(map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": rules}}))
	if err != nil {
		t.Errorf("suppressed findings still fail: %v\n%s", err, out)
	}
}
