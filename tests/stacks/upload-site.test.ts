import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { UploadSiteConfig } from '../../constructs/contracts/predictor';
import { type EventPattern, matchesEventPattern } from '../../scripts/local-loop/event-pattern';
import { readFindings } from '../../scripts/synth-summary';
import { UPLOAD_SITE_CSP } from '../../stacks/upload-site-stack';
import { allStateChanges, withAlarmName } from '../fixtures/aws/alarm-events';
import { alarmsByName, description, tag } from '../support/alarm-template';
import { configWith, vigilStacks, WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION } from '../support/synth-vigil';

const ACCOUNT = '123456789012';
const uploadSite = { domainPrefix: 'vigil-test-uploads', uploadExpiryDays: 2 };
// The environment pinned to another region than us-east-1: the site's alarms are forwarded.
const pinned = vigilStacks(
  configWith({ account: ACCOUNT, region: 'eu-west-1', predictor: { maxUploadMiB: 64, uploadSite } }),
  WITHOUT_BUNDLING,
  WITHOUT_CFN_VALIDATION,
);
const { stacks } = pinned;
const template = Template.fromStack(stacks.uploadSite);
const predictor = Template.fromStack(stacks.predictor);

function only(source: Template, type: string): { id: string; properties: Record<string, unknown> } {
  const resources = Object.entries(source.findResources(type));
  expect(resources).toHaveLength(1);
  const [id, resource] = resources[0] ?? [];
  return { id: id ?? '', properties: (resource?.Properties ?? {}) as Record<string, unknown> };
}

function ref(stack: Stack, construct: { node: { defaultChild?: unknown } }): { Ref: string } {
  return { Ref: stack.getLogicalId(construct.node.defaultChild as CfnElement) };
}

const distributionConfig = () =>
  only(template, 'AWS::CloudFront::Distribution').properties.DistributionConfig as Record<string, unknown>;

describe('placement', () => {
  it('lives in us-east-1 under its environment name, whatever the environment’s region', () => {
    expect(stacks.uploadSite.region).toBe('us-east-1');
    expect(stacks.uploadSite.stackName).toBe('vigil-test-upload-site');
    expect(stacks.predictor.region).toBe('eu-west-1');
  });

  it('is deployed before the predictor stack, which writes into its bucket by name', () => {
    expect(stacks.predictor.dependencies).toContain(stacks.uploadSite);
  });

  it('is us-east-1 in an environment that pins no region either', () => {
    const agnostic = vigilStacks(configWith({}), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION).stacks;
    expect(agnostic.uploadSite.region).toBe('us-east-1');
  });
});

describe('site bucket', () => {
  it('has the fixed name, SSE-S3, no public access, no ACLs, versions and access logs', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: `vigil-test-upload-site-${ACCOUNT}`,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'upload-site/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'expire-replaced-files',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          }),
        ]),
      },
    });
  });

  it('denies plain HTTP and TLS below 1.2, and lets only this distribution read, through OAC', () => {
    const bucket = ref(stacks.uploadSite, stacks.uploadSite.bucket);
    const bucketArn = { 'Fn::GetAtt': [bucket.Ref, 'Arn'] };
    const objects = { 'Fn::Join': ['', [bucketArn, '/*']] };
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (resource) => JSON.stringify(resource.Properties.Bucket) === JSON.stringify(bucket),
    );
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: [bucketArn, objects],
      },
      {
        Action: 's3:*',
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: [bucketArn, objects],
      },
      {
        Action: 's3:GetObject',
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  ref(stacks.uploadSite, stacks.uploadSite.distribution),
                ],
              ],
            },
          },
        },
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Resource: objects,
      },
    ]);
    const oac = only(template, 'AWS::CloudFront::OriginAccessControl').properties;
    expect(oac.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const [origin] = distributionConfig().Origins as Record<string, unknown>[];
    expect(origin).toMatchObject({
      OriginAccessControlId: {
        'Fn::GetAtt': [only(template, 'AWS::CloudFront::OriginAccessControl').id, 'Id'],
      },
      S3OriginConfig: { OriginAccessIdentity: '' },
    });
  });
});

describe('distribution', () => {
  it('redirects to HTTPS, speaks HTTP/2 and 3, serves index.html and uses price class 100', () => {
    const config = distributionConfig();
    expect(config).toMatchObject({
      DefaultRootObject: 'index.html',
      HttpVersion: 'http2and3',
      PriceClass: 'PriceClass_100',
      DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'] },
      CacheBehaviors: [
        {
          PathPattern: '/assets/*',
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
        },
      ],
    });
  });

  it('answers 403 and 404 with index.html and 200, cached 10 s (a single-page app)', () => {
    expect(distributionConfig().CustomErrorResponses).toEqual([
      { ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 10 },
      { ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 10 },
    ]);
  });

  it('sends HSTS, nosniff, DENY, no-referrer and the CSP on every behaviour', () => {
    const headers = only(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    expect(headers.properties.ResponseHeadersPolicyConfig).toMatchObject({
      Name: 'vigil-test-upload-site-headers',
      SecurityHeadersConfig: {
        StrictTransportSecurity: {
          AccessControlMaxAgeSec: 63_072_000,
          IncludeSubdomains: true,
          Override: true,
        },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
        ContentSecurityPolicy: { ContentSecurityPolicy: UPLOAD_SITE_CSP, Override: true },
      },
    });
    expect(UPLOAD_SITE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self' https://*.amazonaws.com https://*.amazoncognito.com; " +
        "form-action 'self' https://*.amazoncognito.com; frame-ancestors 'none'; base-uri 'none'",
    );
    const config = distributionConfig();
    const behaviours = [config.DefaultCacheBehavior, ...(config.CacheBehaviors as unknown[])];
    for (const behaviour of behaviours) {
      expect(behaviour).toMatchObject({ ResponseHeadersPolicyId: { Ref: headers.id } });
    }
  });

  it('caches pages briefly and hashed assets for a year, compressed with gzip and brotli', () => {
    const policies = template.findResources('AWS::CloudFront::CachePolicy');
    const byName = new Map(
      Object.entries(policies).map(([id, resource]) => {
        const config = resource.Properties.CachePolicyConfig as Record<string, unknown>;
        return [config.Name, { id, config }] as const;
      }),
    );
    const compressed = {
      EnableAcceptEncodingGzip: true,
      EnableAcceptEncodingBrotli: true,
      QueryStringsConfig: { QueryStringBehavior: 'none' },
      CookiesConfig: { CookieBehavior: 'none' },
      HeadersConfig: { HeaderBehavior: 'none' },
    };
    const pages = byName.get('vigil-test-upload-site-pages');
    const assets = byName.get('vigil-test-upload-site-assets');
    expect(pages?.config).toMatchObject({
      MinTTL: 0,
      DefaultTTL: 60,
      MaxTTL: 300,
      ParametersInCacheKeyAndForwardedToOrigin: compressed,
    });
    expect(assets?.config).toMatchObject({
      MinTTL: 0,
      DefaultTTL: 31_536_000,
      MaxTTL: 31_536_000,
      ParametersInCacheKeyAndForwardedToOrigin: compressed,
    });
    const config = distributionConfig();
    expect(config.DefaultCacheBehavior).toMatchObject({ CachePolicyId: { Ref: pages?.id }, Compress: true });
    expect(config.CacheBehaviors).toEqual([
      expect.objectContaining({ CachePolicyId: { Ref: assets?.id }, Compress: true }),
    ]);
  });

  it('enables the additional metrics that OriginLatency needs', () => {
    template.hasResourceProperties('AWS::CloudFront::MonitoringSubscription', {
      DistributionId: ref(stacks.uploadSite, stacks.uploadSite.distribution),
      MonitoringSubscription: {
        RealtimeMetricsSubscriptionConfig: { RealtimeMetricsSubscriptionStatus: 'Enabled' },
      },
    });
  });

  it('outputs the site URL and the distribution id', () => {
    const distribution = ref(stacks.uploadSite, stacks.uploadSite.distribution).Ref;
    template.hasOutput('UploadSiteUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }, '/']] },
    });
    template.hasOutput('UploadSiteDistributionId', { Value: { Ref: distribution } });
  });
});

describe('site files', () => {
  const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')).map(
    (resource) => resource as { Properties: Record<string, unknown>; DependsOn?: string[] },
  );
  const bucket = ref(stacks.uploadSite, stacks.uploadSite.bucket);

  it('deploys assets/ immutable for a year without pruning, then index.html no-cache, keeping config.json', () => {
    const assets = deployments.find((deployment) => deployment.Properties.Include !== undefined);
    const page = deployments.find((deployment) => deployment.Properties.Include === undefined);
    expect(deployments).toHaveLength(2);
    expect(assets?.Properties).toMatchObject({
      DestinationBucketName: bucket,
      Exclude: ['*'],
      Include: ['assets/*'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    expect(page?.Properties).toMatchObject({
      DestinationBucketName: bucket,
      Exclude: ['assets/*', 'config.json'],
      Prune: true,
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    // The page names the new assets, so they are uploaded first.
    const assetsId = Object.entries(template.findResources('Custom::CDKBucketDeployment')).find(
      ([, resource]) => resource.Properties.Include !== undefined,
    )?.[0];
    expect(page?.DependsOn).toContain(assetsId);
  });
});

describe('CDK\u2019s deployment handler', () => {
  it.each([
    ['upload-site', template],
    ['predictor', predictor],
  ])(
    'runs in the %s stack with no managed policy and logs kept for the environment’s retention',
    (_stack, source) => {
      const [, handler] =
        Object.entries(source.findResources('AWS::Lambda::Function')).find(([id]) =>
          id.startsWith('CustomCDKBucketDeployment'),
        ) ?? [];
      const properties = handler?.Properties as {
        Role: { 'Fn::GetAtt': [string, string] };
        LoggingConfig: { LogGroup: { Ref: string } };
      };
      const role = source.findResources('AWS::IAM::Role')[properties.Role['Fn::GetAtt'][0]];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
      const logGroupId = properties.LoggingConfig.LogGroup.Ref;
      expect(source.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties.RetentionInDays).toBe(14);
    },
  );

  it('encrypts the predictor’s handler logs with the platform key, like its functions’', () => {
    const groups = Object.values(predictor.findResources('AWS::Logs::LogGroup'));
    const keys = new Set(groups.map((group) => JSON.stringify(group.Properties.KmsKeyId)));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toContain('PlatformKey');
  });
});

describe('config.json, written by the predictor stack', () => {
  const deployment = only(predictor, 'Custom::CDKBucketDeployment').properties;

  it('goes into the site bucket by name, unpruned and no-cache', () => {
    expect(deployment).toMatchObject({
      DestinationBucketName: `vigil-test-upload-site-${ACCOUNT}`,
      Prune: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    expect(deployment.Exclude).toBeUndefined();
  });

  it('holds the API URL, region, site client, sign-in domain, size limit and upload expiry', () => {
    // CDK writes the file with a marker per deploy-time value, and the values beside it.
    const markers = (deployment.SourceMarkers as Record<string, { Ref: string }>[])[0] ?? {};
    const [objectKey] = deployment.SourceObjectKeys as string[];
    const staged = path.join(pinned.app.outdir, `asset.${objectKey?.replace(/\.zip$/, '')}`, 'config.json');
    const written = fs
      .readFileSync(staged, 'utf8')
      .replace(/<<marker:0xbaba:\d+>>/g, (marker) => `\${${markers[marker]?.Ref}}`);
    const api = ref(stacks.predictor, stacks.predictor.httpApi).Ref;
    const client = ref(stacks.predictor, stacks.predictor.siteClient).Ref;
    const config = JSON.parse(written) as UploadSiteConfig;
    expect(config).toEqual({
      apiUrl: `https://\${${api}}.execute-api.eu-west-1.\${AWS::URLSuffix}/`,
      region: 'eu-west-1',
      clientId: `\${${client}}`,
      signIn: 'https://vigil-test-uploads.auth.eu-west-1.amazoncognito.com',
      maxUploadBytes: 64 * 1024 * 1024,
      uploadExpiryDays: 2,
    });
  });
});

describe('alarms', () => {
  const alarms = alarmsByName(template);
  const errors = alarms.get('vigil-test-upload-site-distribution-5xx-error-rate');
  const latency = alarms.get('vigil-test-upload-site-distribution-origin-latency');
  const dimensions = [
    { Name: 'DistributionId', Value: ref(stacks.uploadSite, stacks.uploadSite.distribution) },
    { Name: 'Region', Value: 'Global' },
  ];

  it('watches the distribution’s 5xx rate (high) and origin latency (warning), service upload-site', () => {
    expect(errors).toMatchObject({
      Namespace: 'AWS/CloudFront',
      MetricName: '5xxErrorRate',
      Dimensions: dimensions,
      Statistic: 'Average',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    expect(latency).toMatchObject({
      Namespace: 'AWS/CloudFront',
      MetricName: 'OriginLatency',
      Dimensions: dimensions,
      ExtendedStatistic: 'p90',
      Period: 300,
      Threshold: 1000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    expect([tag(errors, 'vigil:severity'), tag(latency, 'vigil:severity')]).toEqual(['high', 'warning']);
    expect(description(errors)).toMatchObject({ service: 'upload-site', resource: 'distribution' });
  });
});

describe('alarm routing', () => {
  const forwardingRules = (source: Template) =>
    Object.entries(source.findResources('AWS::Events::Rule')).filter(([id]) =>
      id.startsWith('ForwardAlarmStateChanges'),
    );
  const siteAlarmActions = (source: Template) =>
    [...alarmsByName(source)]
      .filter(([name]) => name.startsWith('vigil-test-upload-site-'))
      .map(([, alarm]) => [alarm.AlarmActions, alarm.OKActions]);

  describe('environment pinned to another region (eu-west-1)', () => {
    const rules = forwardingRules(template);
    const properties = (rules[0]?.[1].Properties ?? {}) as { EventPattern: EventPattern; Targets: unknown[] };
    const pattern = properties.EventPattern;

    it('forwards the site’s alarm state changes to that region’s default bus, with a dead-letter queue', () => {
      expect(pattern).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'vigil-test-upload-site-' }] },
      });
      expect(rules).toHaveLength(1);
      const [target] = properties.Targets;
      expect(target).toMatchObject({
        Arn: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default`,
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardingDeadLetters/), 'Arn'] } },
        RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardAlarmStateChangesEventsRole/), 'Arn'] },
      });
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            {
              Action: 'events:PutEvents',
              Effect: 'Allow',
              Resource: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default`,
            },
          ],
        },
      });
      // The enricher's rule takes them there; the site's alarms need no actions of their own.
      expect(siteAlarmActions(template)).toEqual([
        [undefined, undefined],
        [undefined, undefined],
      ]);
    });

    it.each(allStateChanges())(
      'forwards the documented %s state change of a site alarm, and the enricher’s rule takes it',
      (_kind, event) => {
        const forwarded = withAlarmName(event, 'vigil-test-upload-site-distribution-5xx-error-rate');
        expect(matchesEventPattern(pattern, forwarded)).toBe(true);
        const alerting = Object.entries(
          Template.fromStack(stacks.alerting).findResources('AWS::Events::Rule'),
        ).find(([id]) => id.startsWith('AlarmStateChanges'))?.[1].Properties.EventPattern as EventPattern;
        expect(matchesEventPattern(alerting, forwarded)).toBe(true);
      },
    );

    it.each(allStateChanges())(
      'does not forward the %s state change of another environment’s or service’s alarm',
      (_kind, event) => {
        for (const name of [
          'vigil-prod-upload-site-distribution-5xx-error-rate',
          'vigil-test-predictor-api-errors',
          'vigil-test-alarm-forwarding-upload-site-alarms-failed-invocations',
        ]) {
          expect({ name, forwarded: matchesEventPattern(pattern, withAlarmName(event, name)) }).toEqual({
            name,
            forwarded: false,
          });
        }
      },
    );

    it('alarms on the forwarder itself to the cost topic in us-east-1, which a broken forwarder cannot stop', () => {
      const forwarding = [...alarmsByName(template)].filter(([name]) =>
        name.startsWith('vigil-test-alarm-forwarding-'),
      );
      expect(forwarding.map(([name]) => name).sort()).toEqual([
        'vigil-test-alarm-forwarding-upload-site-alarm-dead-letters-dead-letter-messages',
        'vigil-test-alarm-forwarding-upload-site-alarms-dead-letter-failed',
        'vigil-test-alarm-forwarding-upload-site-alarms-failed-invocations',
        'vigil-test-alarm-forwarding-upload-site-alarms-throttled-rules',
      ]);
      for (const [, alarm] of forwarding) {
        expect(JSON.stringify(alarm.AlarmActions)).toContain('vigil-test-cost');
      }
    });
  });

  it('adds nothing when the environment is pinned to us-east-1: the enricher’s rule sees the alarms', () => {
    const local = Template.fromStack(
      vigilStacks(
        configWith({ account: ACCOUNT, region: 'us-east-1' }),
        WITHOUT_BUNDLING,
        WITHOUT_CFN_VALIDATION,
      ).stacks.uploadSite,
    );
    expect(forwardingRules(local)).toEqual([]);
    expect(siteAlarmActions(local)).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
    local.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it('notifies the cost topic when the environment’s region is unknown at synth', () => {
    const agnostic = vigilStacks(configWith({}), WITHOUT_BUNDLING, WITHOUT_CFN_VALIDATION).stacks;
    const local = Template.fromStack(agnostic.uploadSite);
    expect(forwardingRules(local)).toEqual([]);
    const actions = siteAlarmActions(local);
    expect(actions).toHaveLength(2);
    for (const [alarmActions, okActions] of actions) {
      expect(alarmActions).toEqual(okActions);
      expect(JSON.stringify(alarmActions)).toContain('vigil-test-cost');
      expect(alarmActions).toHaveLength(1);
    }
  });
});

describe('compliance', () => {
  it('synthesizes the whole pinned app with no unacknowledged cdk-nag finding', () => {
    const { app } = vigilStacks(
      configWith({ account: ACCOUNT, region: 'eu-west-1', predictor: { uploadSite } }),
      WITHOUT_BUNDLING,
      WITHOUT_CFN_VALIDATION,
    );
    expect(readFindings(app.synth())).toEqual([]);
  });
});
