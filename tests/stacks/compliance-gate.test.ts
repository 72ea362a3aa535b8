import { type App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { loadConfig } from '../../config/load-config';
import { readFindings } from '../../scripts/synth-summary';
import { addComplianceGate } from '../../stacks/compliance-gate';
import { newApp, vigilStacks, WITHOUT_BUNDLING } from '../support/synth-vigil';

interface Acknowledgement {
  readonly construct: IConstruct;
  readonly rule: string;
  readonly reason: string;
}

/** Every `Validations.of(construct).acknowledge()` in the app, read back from construct metadata. */
function acknowledgementsIn(app: App): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [rule, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ construct, rule, reason });
      }
    }
  }
  return found;
}

// `pinned` pins an account and region: acknowledgements must name resolved ARNs then, not tokens.
const environments = {
  dev: () => loadConfig('dev'),
  prod: () => loadConfig('prod'),
  pinned: () => ({ ...loadConfig('prod'), account: '123456789012', region: 'eu-west-1' }),
  // No shipped environment turns the results mail on (it needs a verified SES identity), so its
  // resources are checked with it on here.
  'results-mail': () => {
    const prod = loadConfig('prod');
    return {
      ...prod,
      predictor: {
        ...prod.predictor,
        uploadSite: { ...prod.predictor.uploadSite, siteUrl: 'https://uploads.example.org' },
        resultsMail: { enabled: true, fromAddress: 'predictor@example.org', identity: 'example.org' },
      },
    };
  },
};

describe.each(Object.keys(environments) as (keyof typeof environments)[])('the whole %s app', (envName) => {
  const { app } = vigilStacks(environments[envName](), WITHOUT_BUNDLING);

  it('synthesizes with no unacknowledged cdk-nag finding and no CloudFormation validation error', () => {
    const findings = readFindings(app.synth());
    // On failure the list itself is the useful message: rule, construct and description.
    expect(findings).toEqual([]);
  });

  it('acknowledges findings only on the construct concerned, each with its own reason', () => {
    const acknowledgements = acknowledgementsIn(app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { construct, rule, reason } of acknowledgements) {
      expect({ rule, onStackOrApp: Stack.isStack(construct) || construct === app }).toEqual({
        rule,
        onStackOrApp: false,
      });
      expect(reason.length).toBeGreaterThanOrEqual(30);
    }
    // A reason written for one rule must not be pasted onto another: each names its own risk.
    const rulesByReason = new Map<string, Set<string>>();
    for (const { rule, reason } of acknowledgements) {
      rulesByReason.set(reason, (rulesByReason.get(reason) ?? new Set()).add(rule));
    }
    for (const [reason, rules] of rulesByReason) {
      expect({ reason, rules: rules.size }).toEqual({ reason, rules: 1 });
    }
  });
});

describe('the gate', () => {
  function gatedStack(): { app: App; stack: Stack } {
    const app = newApp();
    addComplianceGate(app);
    return { app, stack: new Stack(app, 'Probe') };
  }

  function compliantBucket(stack: Stack, id: string): s3.Bucket {
    return new s3.Bucket(stack, id, {
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
    });
  }

  it('fails synth on an unacknowledged AWS Solutions finding', () => {
    const { app, stack } = gatedStack();
    compliantBucket(stack, 'NoAccessLogs');
    expect(() => app.synth()).toThrow(
      /server access logs disabled[\s\S]*Probe\/NoAccessLogs[\s\S]*AwsSolutions-S1/,
    );
  });

  it('passes once that finding is acknowledged on the construct', () => {
    const { app, stack } = gatedStack();
    const bucket = compliantBucket(stack, 'NoAccessLogs');
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'probe bucket in a unit test' });
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synth on an unacknowledged Serverless finding', () => {
    const { app, stack } = gatedStack();
    new logs.LogGroup(stack, 'KeptForever', { retention: logs.RetentionDays.INFINITE });
    expect(() => app.synth()).toThrow(/Serverless-CloudWatchLogGroupRetentionPeriod/);
  });

  it("fails synth when CDK's CloudFormation validation finds an invalid property", () => {
    const { app, stack } = gatedStack();
    new CfnResource(stack, 'Misspelt', { type: 'AWS::SNS::Topic', properties: { TopicNmae: 'oops' } });
    expect(() => app.synth()).toThrow(/'TopicNmae' was unexpected/);
  });
});
