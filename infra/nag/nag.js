#!/usr/bin/env node
// Runs the cdk-nag AwsSolutions rule pack over synthesized CloudFormation
// templates: each template is loaded with cloudformation-include into an
// app of its own, the checks run as an aspect during synth, and every
// finding is printed. Exit status 1 when there is an error-level finding.
//
// Suppressions come from the template itself: the Go stack writes
// Metadata.cdk_nag.rules_to_suppress (id and a one-line reason) on the
// resources it justifies, which cdk-nag reads through CfnInclude.
//
// Usage: node infra/nag/nag.js [template.json ...]  (default: cdk.out/*.template.json)
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const cdk = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks } = require('cdk-nag');

function templates(args) {
  if (args.length > 0) return args;
  const dir = 'cdk.out';
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(dir, f));
}

function check(file) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
  try {
    const app = new cdk.App({ outdir });
    // The included template brings its own BootstrapVersion parameter and rule.
    const stack = new cdk.Stack(app, 'Nag', { synthesizer: new cdk.LegacyStackSynthesizer() });
    new CfnInclude(stack, 'Template', { templateFile: file });
    cdk.Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true, reports: false }));
    const artifact = app.synth().getStackArtifact(stack.artifactId);
    return artifact.messages
      .filter((m) => m.level === 'error' || m.level === 'warning')
      .map((m) => ({ level: m.level, path: m.id.replace(/^\/Nag\/Template\//, ''), text: String(m.entry.data) }));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function main() {
  const files = templates(process.argv.slice(2));
  if (files.length === 0) {
    console.error('nag: no templates (run `cdk synth` first or pass template files)');
    return 2;
  }
  let errors = 0;
  for (const file of files) {
    const findings = check(file);
    const errs = findings.filter((f) => f.level === 'error').length;
    errors += errs;
    console.log(`${file}: ${errs} error(s), ${findings.length - errs} warning(s)`);
    for (const f of findings) {
      console.log(`  ${f.level.toUpperCase()} ${f.path}: ${f.text.split('\n')[0]}`);
    }
  }
  return errors > 0 ? 1 : 0;
}

process.exitCode = main();
