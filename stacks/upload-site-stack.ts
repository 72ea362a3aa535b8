import * as path from 'node:path';
import {
  CfnOutput,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { AccessLogBucket } from '../constructs/access-log-bucket';
import { type AlarmRouting, routeToTopics } from '../constructs/monitoring/alarm-routing';
import { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { wildcardResourceFinding } from '../constructs/nag-finding';
import { buildSite } from '../predictor/site/build-site';
import { alarmNamePrefix, physicalName, uploadSiteBucketName } from './physical-name';

export interface UploadSiteStackProps extends StackProps {
  /** The validated environment this stack is deployed for. */
  readonly config: EnvironmentConfig;
  /**
   * The cost stack's topic, in us-east-1 like this stack: where the site's alarms notify when the
   * environment's region is not known at synth (see {@link UploadSiteStack}); unused otherwise.
   */
  readonly costTopic: sns.ITopic;
}

/**
 * CloudFront publishes its metrics in us-east-1 only, and an alarm must be in its metric's region
 * (CDK: "Cannot create an Alarm in region X based on metric in us-east-1"); a CloudFront
 * distribution's ACM certificate and WAF web ACL are us-east-1 resources too.
 */
export const UPLOAD_SITE_REGION = 'us-east-1';
/** The service name of the site's alarms: `vigil-<env>-upload-site-<resource>-<signal>`. */
export const UPLOAD_SITE_SERVICE = 'upload-site';
/** The service name of the forwarding rule's own alarms, which must not travel through it. */
export const ALARM_FORWARDING_SERVICE = 'alarm-forwarding';

const ROOT = path.join(__dirname, '..');
/** The page's content security policy (see the response headers policy). */
export const UPLOAD_SITE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' https://*.amazonaws.com https://*.amazoncognito.com",
  "form-action 'self' https://*.amazoncognito.com",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The predictor's upload site: a private S3 bucket behind CloudFront with Origin Access Control, the
 * page built at synth (`predictor/site/build-site.ts`) and deployed into it, and the distribution's
 * alarms. Always in us-east-1 (see {@link UPLOAD_SITE_REGION}). Environments usually leave the region
 * to the deploying credentials, so CDK's cross-region references (which need both regions at synth)
 * are not available: nothing of another region's stack is referenced by token. The predictor stack
 * writes the page's `config.json` (API URL, client id) into the bucket by its fixed name instead.
 *
 * The alert enricher's EventBridge rule sees alarm state changes of its own region only, so where
 * this stack's alarms go depends on what the environment says about its region:
 * - pinned to us-east-1: the enricher's rule sees them; nothing else is needed;
 * - pinned to another region: a rule on this region's default bus forwards their state changes to
 *   that region's default bus (EventBridge cross-Region event bus target), where the enricher's rule
 *   takes them like any other alarm's;
 * - not pinned: the enricher's region is unknown at synth, so no bus ARN can be written; the alarms
 *   notify the cost topic (same region) directly, as the cost stack's own alarms do. Should the
 *   environment then be deployed to us-east-1, the enricher sees them too.
 */
export class UploadSiteStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** The site's alarms (service `upload-site`). */
  readonly monitoring: ServiceMonitoring;
  /** Forwards the site's alarm state changes to the environment's region, when that is another one. */
  readonly alarmForwarding?: events.Rule;

  constructor(scope: Construct, id: string, props: UploadSiteStackProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: UPLOAD_SITE_REGION } });
    const { config } = props;

    // Its own log bucket rather than the cost stack's: server access logs cannot cross regions, and
    // the cost stack keeps its log bucket to itself; a second log bucket costs only what it stores.
    const accessLogs = new AccessLogBucket(this, 'AccessLogBucket', {
      retentionDays: config.archive.accessLogRetentionDays,
      noncurrentVersionExpireDays: config.archive.noncurrentVersionExpireDays,
    });
    // SSE-S3, not the platform key: it holds only the public page's static files, and CloudFront reads
    // an SSE-KMS origin through OAC only when the key's policy lets the distribution decrypt ("Restrict
    // access to an Amazon S3 origin", CloudFront developer guide; CDK's withOriginAccessControl adds that
    // statement to a key it can edit): a key of the core stack, in another region, it cannot, and KMS
    // keys are regional. The settings otherwise are `EncryptedBucket`'s, which does SSE-KMS only. A fixed
    // name: the predictor stack (another region) writes config.json into it by name. With OAC, S3
    // Object Ownership must be "Bucket owner enforced" (same page).
    this.bucket = new s3.Bucket(this, 'SiteBucket', {
      bucketName: uploadSiteBucketName(config, this.account),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'upload-site/',
      lifecycleRules: [
        {
          id: 'expire-replaced-files',
          noncurrentVersionExpiration: Duration.days(config.archive.noncurrentVersionExpireDays),
        },
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Recorded for `npm run review`, which accepts an encryption exception only with a reason.
    Validations.of(this.bucket).acknowledge({
      id: 'VigilReview-EncryptionAtRest',
      reason:
        "SSE-S3: the public page's static files only; CloudFront OAC can read an SSE-KMS origin only with a key policy naming the distribution, which a key of the core stack (another region) cannot have.",
    });

    this.distribution = this.createDistribution(config);
    this.deploySite(config);
    // Additional metrics, for OriginLatency (and the per-status error rates), which CloudFront publishes
    // only with them. The default metrics "don't incur any additional cost"; the additional ones come
    // "for an additional cost" and "must be turned on for each distribution separately" ("Monitor
    // CloudFront metrics with Amazon CloudWatch", CloudFront developer guide). The price is on
    // "Estimate the cost for the additional CloudFront metrics", which the stored docs do not hold;
    // the synth summary's monitoring estimate counts the alarms only.
    new cloudfront.CfnMonitoringSubscription(this, 'AdditionalMetrics', {
      distributionId: this.distribution.distributionId,
      monitoringSubscription: {
        realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: 'Enabled' },
      },
    });

    const routing = this.routeAlarms(config, props.costTopic);
    this.monitoring = new ServiceMonitoring(this, 'Monitoring', {
      service: UPLOAD_SITE_SERVICE,
      alarmNamePrefix: alarmNamePrefix(config),
      routing: routing.routing,
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
      overrides: config.monitoring.overrides,
      logRetentionDays: config.logs.retentionDays,
    });
    this.monitoring.monitorDistribution(this.distribution, { name: 'distribution' });
    this.alarmForwarding = routing.forwarding;

    new CfnOutput(this, 'UploadSiteUrl', {
      description:
        'Put this URL into predictor.uploadSite.callbackUrls (or your own domain) after the first deploy',
      value: `https://${this.distribution.distributionDomainName}/`,
    });
    new CfnOutput(this, 'UploadSiteDistributionId', { value: this.distribution.distributionId });
  }

  private createDistribution(config: EnvironmentConfig): cloudfront.Distribution {
    // Every response carries these. The CSP allows scripts and styles from the site only; the page
    // calls the HTTP API, PUTs and GETs presigned S3 URLs and exchanges its code at Cognito's token
    // endpoint, all on amazonaws.com / amazoncognito.com hosts whose region is not known here (an
    // environment usually leaves its region to the deploying credentials), hence the wildcards; the
    // sign-in form posts to the Cognito domain.
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: physicalName(config, 'upload-site-headers'),
      comment: 'Security headers of the upload site',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        contentSecurityPolicy: { contentSecurityPolicy: UPLOAD_SITE_CSP, override: true },
      },
    });
    // index.html and config.json are stored with `Cache-Control: no-cache`, so with a minimum TTL of 0
    // CloudFront goes back to the origin for them; the 60 s default applies only to an object stored
    // without Cache-Control or Expires, and 300 s caps any other (CachePolicyConfig, CloudFront API
    // reference: DefaultTTL "only when the origin does not send Cache-Control or Expires headers"). How
    // CloudFront treats `no-cache` in detail is on "Manage how long content stays in the cache
    // (expiration)", which the stored docs do not hold.
    const pages = new cloudfront.CachePolicy(this, 'PageCache', {
      cachePolicyName: physicalName(config, 'upload-site-pages'),
      comment: 'index.html and config.json: revalidated, briefly cached at most',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(60),
      maxTtl: Duration.seconds(300),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    // Hashed file names: a file's content never changes under its name, so a year.
    const assets = new cloudfront.CachePolicy(this, 'AssetCache', {
      cachePolicyName: physicalName(config, 'upload-site-assets'),
      comment: 'assets/: content-hashed names, cached for a year',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.days(365),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    // OAC: CloudFront signs its requests, and CDK writes the bucket policy that lets only this
    // distribution read (`AWS:SourceArn` the distribution's ARN).
    const origin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket);
    const behaviour = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      responseHeadersPolicy: headers,
      compress: true,
    };
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Vigil ${config.name}: the predictor's upload site`,
      defaultBehavior: { ...behaviour, cachePolicy: pages },
      additionalBehaviors: { '/assets/*': { ...behaviour, cachePolicy: assets } },
      defaultRootObject: 'index.html',
      // A single-page app: the results mail links `<siteUrl>/results/<uploadId>`, which is no object.
      // With OAC and no s3:ListBucket, S3 answers a missing key 403 (not 404), so both become the page,
      // cached briefly so a deployed object shows up soon.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(10),
      })),
      // The cheapest class (edges in North America, Europe and Israel); viewers elsewhere are still
      // served, from those edges.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    // CFR3 checks the distribution's `Logging` (standard logging, legacy), which delivers to a bucket
    // only through ACLs: since April 2023 the log bucket must have ACLs enabled ("Standard logging
    // (access logs)", CloudFront developer guide, as quoted in aws/aws-cdk#25291), and every Vigil
    // bucket enforces bucket-owner ownership, which refuses ACLs.
    const cfn = distribution.node.defaultChild as cloudfront.CfnDistribution;
    Validations.of(cfn).acknowledge(
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'No custom domain is configured, so viewers get the CloudFront default certificate (*.cloudfront.net), whose security policy allows TLSv1 and cannot be changed.',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'No geo restriction: the uploaders are wherever the analysts work, and sign-in, not the country, decides who may upload.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF web ACL: the distribution serves only static files from a private bucket (the API, in its own region, has its stage throttle); a web ACL for CloudFront would be a billed us-east-1 resource per environment.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Standard logging (legacy) writes to the log bucket through ACLs, which BUCKET_OWNER_ENFORCED buckets refuse; the site bucket\u2019s server access logs record every request that reaches the origin.',
      },
    );
    return distribution;
  }

  /**
   * The built page: `assets/` (content-hashed) with a year's Cache-Control, then index.html with
   * `no-cache`. Two deployments, because Cache-Control is set per deployment. `config.json` is the
   * predictor stack's, written into the same bucket: excluded, so neither deployment prunes it.
   */
  private deploySite(config: EnvironmentConfig): void {
    // No KMS key of this region to encrypt its log group with: CloudWatch Logs encrypts it at rest with
    // its own key, and it holds only the sync's list of the public page's files.
    const handler = bucketDeploymentHandlerProps(this, { logRetentionDays: config.logs.retentionDays });
    const site = s3deploy.Source.asset(path.join(ROOT, 'predictor', 'site'), {
      bundling: {
        // Required by the type, never pulled: tryBundle always builds the site or throws.
        image: DockerImage.fromRegistry('none'),
        local: {
          tryBundle(outputDir: string): boolean {
            buildSite(outputDir);
            return true;
          },
        },
      },
    });
    // Not pruned: a page loaded before a release keeps finding the files it names, and old hashed
    // files cost only their bytes.
    const assets = new s3deploy.BucketDeployment(this, 'DeployAssets', {
      ...handler,
      sources: [site],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: ['assets/*'],
      cacheControl: [s3deploy.CacheControl.fromString(IMMUTABLE)],
      prune: false,
    });
    const page = new s3deploy.BucketDeployment(this, 'DeployPage', {
      ...handler,
      sources: [site],
      destinationBucket: this.bucket,
      exclude: ['assets/*', 'config.json'],
      cacheControl: [s3deploy.CacheControl.noCache()],
    });
    // The page names the new assets: they must be there first.
    page.node.addDependency(assets);
    // Both deployments share the stack's one handler function.
    acknowledgeBucketDeploymentFindings(page, this.bucket, 'the upload site\u2019s built files');
  }

  /** Where the site's alarms go, by what the environment says about its region (see the class). */
  private routeAlarms(
    config: EnvironmentConfig,
    costTopic: sns.ITopic,
  ): { routing?: AlarmRouting; forwarding?: events.Rule } {
    if (config.region === undefined) {
      return { routing: routeToTopics({ critical: costTopic, high: costTopic, warning: costTopic }) };
    }
    if (config.region === UPLOAD_SITE_REGION) return {};
    return { forwarding: this.forwardAlarms(config, config.region, costTopic) };
  }

  /**
   * A rule on this region's default bus sending the site's alarm state changes to the environment's
   * region's default bus ("Sending and receiving events between AWS Regions in Amazon EventBridge":
   * a rule's target may be an event bus of another Region, given by ARN, with a role allowed
   * events:PutEvents on it, which CDK makes). The receiving default bus needs no policy: it "only
   * allows events from one account", its own ("Permissions for event buses in Amazon EventBridge").
   * Failed deliveries are kept in a dead-letter queue; the rule's and the queue's
   * alarms notify the cost topic in this region, since a broken forwarder could not forward them.
   */
  private forwardAlarms(config: EnvironmentConfig, region: string, costTopic: sns.ITopic): events.Rule {
    const deadLetters = new sqs.Queue(this, 'ForwardingDeadLetters', {
      // SQS-managed keys: EventBridge may send to it with no key policy, and it holds alarm events only.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetters).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason: 'Dead-letter queue of the alarm-forwarding rule\u2019s target; it has none of its own.',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason: 'End of the line for alarm events EventBridge could not forward; any message alarms.',
      },
    );
    const bus = events.EventBus.fromEventBusArn(
      this,
      'EnvironmentDefaultBus',
      `arn:${this.partition}:events:${region}:${this.account}:event-bus/default`,
    );
    const rule = new events.Rule(this, 'ForwardAlarmStateChanges', {
      description: `Vigil ${config.name}: the upload site's alarm state changes to the alert enricher's region (${region})`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: `${alarmNamePrefix(config)}-${UPLOAD_SITE_SERVICE}-` }] },
      },
      targets: [new targets.EventBus(bus, { deadLetterQueue: deadLetters })],
    });
    const forwarding = new ServiceMonitoring(this, 'ForwardingMonitoring', {
      service: ALARM_FORWARDING_SERVICE,
      alarmNamePrefix: alarmNamePrefix(config),
      routing: routeToTopics({ critical: costTopic, high: costTopic, warning: costTopic }),
      runbookBaseUrl: config.monitoring.runbookBaseUrl,
      overrides: config.monitoring.overrides,
    });
    forwarding.monitorEventRule(rule, { name: 'upload-site-alarms' });
    forwarding.monitorQueue(deadLetters, { name: 'upload-site-alarm-dead-letters', deadLetter: true });
    return rule;
  }
}

/**
 * The wildcard actions of CDK's grants to a BucketDeployment's handler (`grantRead` on the asset
 * bucket, `grantReadWrite` on the destination), each with what it is for.
 */
const BUCKET_DEPLOYMENT_ACTIONS: Readonly<Record<string, string>> = {
  's3:GetObject*': 'reads the zipped source asset (and object versions, tags and ACL reads CDK bundles in)',
  's3:GetBucket*': 'reads the source and destination buckets\u2019 location and settings for aws s3 sync',
  's3:List*': 'lists the destination bucket to compare it with the source (aws s3 sync)',
  's3:DeleteObject*':
    'deletes, through CDK\u2019s read-write grant, only what a pruning deployment no longer ships',
  's3:Abort*': 'aborts the multipart uploads of large files that fail midway',
};

/**
 * The role and log group a stack's BucketDeployments run their handler (CDK's function, one per
 * stack) with, like a `PlatformFunction`'s: a role with no managed policies that may write only to
 * its own log group, which keeps the environment's retention instead of CDK's two years.
 */
export function bucketDeploymentHandlerProps(
  scope: Construct,
  props: {
    /** Days the handler's logs are kept. */
    readonly logRetentionDays: number;
    /** Key encrypting the log group. @default CloudWatch Logs' own encryption */
    readonly logKey?: kms.IKey;
  },
): { readonly role: iam.Role; readonly logGroup: logs.LogGroup } {
  const logGroup = new logs.LogGroup(scope, 'BucketDeploymentLogs', {
    retention: props.logRetentionDays as logs.RetentionDays,
    encryptionKey: props.logKey,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, 'BucketDeploymentRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  logGroup.grantWrite(role);
  Validations.of(role).acknowledge({
    id: wildcardResourceFinding(scope, `${logGroup.logGroupArn}:*`),
    reason: `Log streams of CDK\u2019s BucketDeployment handler get generated names; the grant is ${logGroup.node.path} only.`,
  });
  return { role, logGroup };
}

/**
 * Acknowledges the findings on a BucketDeployment's handler, CDK's own function (one per stack, shared
 * by the stack's deployments), on exactly that function and its role: its runtime and tracing are
 * CDK's, and CDK's grants use wildcard actions on the objects of the CDK asset bucket and of the
 * destination bucket.
 */
export function acknowledgeBucketDeploymentFindings(
  deployment: s3deploy.BucketDeployment,
  destination: s3.IBucket,
  what: string,
): void {
  Validations.of(bucketDeploymentHandler(deployment)).acknowledge(
    {
      id: 'AwsSolutions-L1',
      reason: `CDK\u2019s BucketDeployment handler for ${what} runs the Python runtime its aws-cdk-lib version ships with.`,
    },
    {
      id: 'Serverless-LambdaDLQ',
      reason: `Invoked synchronously by CloudFormation for ${what}: a failure fails the deployment, no event waits to be kept.`,
    },
    {
      id: 'Serverless-LambdaLatestVersion',
      reason: `CDK\u2019s BucketDeployment handler copying ${what}: its runtime is chosen by the aws-cdk-lib version, not by this app.`,
    },
    {
      id: 'Serverless-LambdaTracing',
      reason: `CDK\u2019s BucketDeployment handler copying ${what} runs once per deployment inside CloudFormation; a trace would add nothing its logs lack.`,
    },
  );
  const role = deployment.handlerRole;
  const stack = Stack.of(deployment);
  const destinationObjects = wildcardResourceFinding(stack, destination.arnForObjects('*'));
  // The asset bucket's ARN is the synthesizer's; read back from the grant rather than rebuilt.
  const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  const statements = (stack.resolve(policy?.document)?.Statement ?? []) as { Resource?: unknown }[];
  const objectFindings = new Set(
    statements
      .flatMap((statement) => [statement.Resource].flat())
      .map((resource) => objectFinding(stack, resource))
      .filter((finding) => finding.endsWith('/*]')),
  );
  Validations.of(role).acknowledge(
    ...Object.entries(BUCKET_DEPLOYMENT_ACTIONS).map(([action, purpose]) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `CDK\u2019s BucketDeployment handler for ${what} ${purpose}.`,
    })),
    ...[...objectFindings].map((id) => ({
      id,
      reason:
        id === destinationObjects
          ? `CDK\u2019s BucketDeployment handler writes ${what}, named at build time, anywhere in the destination bucket.`
          : `CDK\u2019s BucketDeployment handler reads the zipped source of ${what} from the CDK asset bucket, named by its hash.`,
    })),
  );
}

/**
 * cdk-nag's wildcard-resource finding for a resolved resource. The synthesizer names the asset bucket
 * with an `Fn::Sub` inside the ARN's `Fn::Join`; cdk-nag prints its `${AWS::AccountId}` as
 * `<AWS::AccountId>`, so each `Fn::Sub` becomes that text before the usual rendering.
 */
function objectFinding(stack: Stack, resource: unknown): string {
  const withoutSub = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(withoutSub);
    if (value === null || typeof value !== 'object') return value;
    const sub = (value as { 'Fn::Sub'?: unknown })['Fn::Sub'];
    if (typeof sub === 'string') return sub.replace(/\$\{([^}]+)\}/g, '<$1>');
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutSub(inner)]));
  };
  return wildcardResourceFinding(stack, withoutSub(resource) as string);
}

/** The function behind a BucketDeployment's singleton: it lives at stack level, away from the deployment. */
function bucketDeploymentHandler(deployment: s3deploy.BucketDeployment): IConstruct {
  const singleton = deployment.node.findChild('CustomResourceHandler') as lambda.SingletonFunction;
  const inner = singleton.permissionsNode;
  const fn = inner.scope?.node.tryFindChild(inner.id);
  if (fn === undefined) throw new Error(`${deployment.node.path} has no BucketDeployment handler function`);
  return fn;
}
