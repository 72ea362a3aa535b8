import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ServiceMonitoring } from '../constructs/monitoring/service-monitoring';
import { cdkJsonContext } from './cdk-json-context';

// Each function is referenced by two exports; a stack may have 200 outputs.
const FUNCTIONS_PER_WORKLOAD_STACK = 80;

/** The benchmarks' large app: workload stacks of Lambda functions, all watched by one service. */
export interface FleetApp {
  readonly outdir: string;
  readonly monitoring: ServiceMonitoring;
  readonly assembly: ReturnType<App['synth']>;
  /** Removes the synthesized output. */
  dispose(): void;
}

/**
 * Synthesizes `functionCount` functions in workload stacks and one ServiceMonitoring (in nested
 * stacks) that monitors every one of them, with the service-health composite when asked.
 */
export function synthFleetApp(functionCount: number, options: { readonly health?: boolean } = {}): FleetApp {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-fleet-'));
  const app = new App({ outdir, context: cdkJsonContext() });
  const functions: lambda.Function[] = [];
  for (let stackIndex = 0; functions.length < functionCount; stackIndex++) {
    const workload = new Stack(app, `Workload${stackIndex}`);
    for (let i = 0; i < FUNCTIONS_PER_WORKLOAD_STACK && functions.length < functionCount; i++) {
      functions.push(
        new lambda.Function(workload, `Fn${functions.length}`, {
          runtime: lambda.Runtime.NODEJS_24_X,
          architecture: lambda.Architecture.ARM_64,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => 1;'),
        }),
      );
    }
  }
  const monitoring = new ServiceMonitoring(new Stack(app, 'Monitoring'), 'Fleet', {
    service: 'fleet',
    maxResourcesPerNestedStack: 450,
  });
  for (const fn of functions) monitoring.monitorLambda(fn);
  if (options.health) monitoring.addServiceHealthAlarm();
  const assembly = app.synth();
  return { outdir, monitoring, assembly, dispose: () => fs.rmSync(outdir, { recursive: true, force: true }) };
}
