import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { wildcardResourceFinding } from './nag-finding';

export interface PlatformFunctionProps {
  /** TypeScript file exporting `handler`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Powertools service name: the `service` key of every log line and metric. */
  readonly serviceName: string;
  /** CloudWatch namespace of the function's Powertools metrics. */
  readonly metricsNamespace: string;
  /** Key encrypting the function's log group. */
  readonly logKey: kms.IKey;
  /** Log retention, one of the values CloudWatch Logs accepts. */
  readonly logRetentionDays: number;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /**
   * Concurrency reserved for the function: a ceiling that also guarantees it that much of the
   * account's pool (its throttles alarm then carries the lambda-concurrency playbook).
   * @default none: it draws on the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
  /** Extra environment variables. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Layers, e.g. a native runtime. @default none */
  readonly layers?: readonly lambda.ILayerVersion[];
  /** Modules provided by a layer rather than bundled. @default none */
  readonly layerModules?: readonly string[];
  /** Files copied next to the bundle, as [path relative to the project root, name in the bundle]. @default none */
  readonly bundledFiles?: readonly (readonly [string, string])[];
}

/**
 * How a function's code is bundled: the settings NodejsFunction turns into esbuild's arguments.
 * Exposed so that `npm run bench:bundles` builds exactly what a deployment builds.
 */
export interface FunctionBundling {
  readonly minify: boolean;
  /** esbuild's target: the Lambda runtime's Node.js major. */
  readonly target: string;
  readonly format: nodejs.OutputFormat;
  /** Modules left out of the bundle, for the runtime or a layer to provide. */
  readonly externalModules: readonly string[];
}

/**
 * A Node 24 arm64 Lambda with Vigil's defaults: Powertools configuration, active tracing, its own
 * KMS-encrypted log group with the configured retention, a role holding only what is granted to it
 * (no managed policies), and a `live` alias on the current version. Callers (API routes, event
 * sources) invoke the alias, so releasing is publishing a version and rolling back is moving the
 * alias.
 */
export class PlatformFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  /** The alias every caller invokes. */
  readonly live: lambda.Alias;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The handler's TypeScript file, as given: which code, and so which settings, the function has. */
  readonly entry: string;
  /** Files copied next to the bundle, as given: what the function finds under `/var/task`. */
  readonly bundledFiles: readonly (readonly [string, string])[];
  /** How its code is bundled: what `npm run bench:bundles` builds and measures. */
  readonly bundling: FunctionBundling;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    this.bundledFiles = props.bundledFiles ?? [];
    this.bundling = {
      minify: true,
      target: 'node24',
      format: nodejs.OutputFormat.CJS,
      // The AWS SDK v3 is the one the Node.js runtime ships, not bundled: `npm run bench:bundles`
      // measured bundling it at about 1.5 MB more per bundle (the approval function 203 -> 1682 KiB,
      // gzip 62 -> 459) and a slower module init, not a faster one (60-140 CPU ms more, 273 -> 356
      // for the approval function; medians of 15 Node 24 starts), since esbuild then bundles every
      // client package aws-clients.ts may load.
      // The price: a function runs the runtime's SDK version, which AWS updates on its own schedule,
      // not the one package-lock.json pins and the tests run against. Should a call need a newer SDK
      // than the runtime has, bundle it (drop '@aws-sdk/*' here) and rerun the benchmark.
      // Layers ship native modules.
      externalModules: ['@aws-sdk/*', ...(props.layerModules ?? [])],
    };

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);

    const copies = (props.bundledFiles ?? []).map(
      ([source, target]) => `cp "$INPUT_DIR/${source}" "$OUTPUT_DIR/${target}"`,
    );
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(30),
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      layers: props.layers ? [...props.layers] : undefined,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        ...props.environment,
      },
      bundling: {
        ...this.bundling,
        externalModules: [...this.bundling.externalModules],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) =>
            copies.map((command) =>
              command.replace('$INPUT_DIR', inputDir).replace('$OUTPUT_DIR', outputDir),
            ),
        },
      },
    });
    this.live = new lambda.Alias(this, 'Live', { aliasName: 'live', version: this.function.currentVersion });

    Validations.of(this.role).acknowledge(
      {
        id: wildcardResourceFinding(this, `${this.logGroup.logGroupArn}:*`),
        reason: `Log streams get generated names at run time; the grant is limited to the log group of ${this.node.path}.`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions.',
      },
    );
  }
}
