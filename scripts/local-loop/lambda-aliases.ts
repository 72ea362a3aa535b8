import type { LocalAws } from './local-aws';

/** A change of the alias or of the reserved concurrency, as CloudTrail would record it. */
export interface FunctionChange {
  readonly at: number;
  readonly by: string;
  /** The alias now points at this version (UpdateAlias). */
  readonly version?: string;
  /** The reserved concurrency is now this (PutFunctionConcurrency). */
  readonly reservedConcurrency?: number;
}

/**
 * One function's published versions, its alias and its reserved concurrency, as Lambda keeps them:
 * the traffic model reads which version the alias serves and how much concurrency it may use; the
 * playbooks change them through the Lambda API (GetAlias/UpdateAlias with RevisionId,
 * GetFunctionConcurrency/PutFunctionConcurrency).
 */
export class LocalLambdaFunction {
  readonly versions: string[] = [];
  readonly changes: FunctionChange[] = [];
  private current = '';
  private revision = 0;

  constructor(
    readonly functionName: string,
    readonly functionArn: string,
    readonly aliasName: string,
    readonly tags: Readonly<Record<string, string>>,
    /** ReservedConcurrentExecutions as the template sets it; null when none is reserved. */
    public reservedConcurrency: number | null = null,
  ) {}

  reserveConcurrency(concurrency: number, at: number, by: string): void {
    this.reservedConcurrency = concurrency;
    this.changes.push({ at, by, reservedConcurrency: concurrency });
  }

  /** PublishVersion: the next version number. */
  publishVersion(): string {
    const version = String(this.versions.length + 1);
    this.versions.push(version);
    return version;
  }

  pointAlias(version: string, at: number, by: string): void {
    this.current = version;
    this.revision++;
    this.changes.push({ at, by, version });
  }

  get aliasVersion(): string {
    return this.current;
  }

  get revisionId(): string {
    return `revision-${this.revision}`;
  }

  /** Whether a FunctionName parameter (name, ARN or ARN with qualifier) names this function. */
  names(name: string | undefined): boolean {
    return name === this.functionName || name === this.functionArn;
  }
}

/** The default concurrency quota of an account in a Region (Lambda developer guide, "Lambda quotas"). */
const ACCOUNT_CONCURRENCY = 1000;
const UNRESERVED_MINIMUM = 100;

/** Lambda's control plane answered from the local functions; `now` is the simulated clock. */
export function standInLambda(
  aws: LocalAws,
  functions: readonly LocalLambdaFunction[],
  now: () => number,
): void {
  const notFound = (what: string) =>
    Object.assign(new Error(`Function not found: ${what}`), {
      name: 'ResourceNotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
    });
  /** The function a FunctionName parameter names, or the 404 Lambda answers. */
  const named = (name: string | undefined, what = String(name)): LocalLambdaFunction => {
    const fn = functions.find((candidate) => candidate.names(name));
    if (!fn) throw notFound(what);
    return fn;
  };
  const aliased = (input: { FunctionName?: string; Name?: string }): LocalLambdaFunction => {
    const fn = named(input.FunctionName, `${input.FunctionName}:${input.Name}`);
    if (input.Name !== fn.aliasName) throw notFound(`${input.FunctionName}:${input.Name}`);
    return fn;
  };
  const reserved = () => functions.reduce((sum, fn) => sum + (fn.reservedConcurrency ?? 0), 0);
  const alias = (fn: LocalLambdaFunction) => ({
    AliasArn: `${fn.functionArn}:${fn.aliasName}`,
    Name: fn.aliasName,
    FunctionVersion: fn.aliasVersion,
    RevisionId: fn.revisionId,
  });
  aws.on('Lambda.GetFunction', (input: { FunctionName?: string }) => {
    const fn = named(input.FunctionName);
    return {
      Configuration: { FunctionName: fn.functionName, FunctionArn: fn.functionArn },
      Tags: { ...fn.tags },
      ...(fn.reservedConcurrency === null
        ? {}
        : { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } }),
    };
  });
  aws.on('Lambda.GetFunctionConcurrency', (input: { FunctionName?: string }) => {
    const fn = named(input.FunctionName);
    return fn.reservedConcurrency === null ? {} : { ReservedConcurrentExecutions: fn.reservedConcurrency };
  });
  aws.on(
    'Lambda.PutFunctionConcurrency',
    (input: { FunctionName?: string; ReservedConcurrentExecutions?: number }) => {
      const fn = named(input.FunctionName);
      const wanted = input.ReservedConcurrentExecutions ?? 0;
      const reservedElsewhere = reserved() - (fn.reservedConcurrency ?? 0);
      // "Lambda ... reserves 100 units of concurrency for functions that don't reserve any" (Lambda
      // developer guide, "Configuring reserved concurrency"): a larger reservation is refused.
      if (reservedElsewhere + wanted > ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM) {
        throw Object.assign(
          new Error(
            `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${UNRESERVED_MINIMUM}].`,
          ),
          { name: 'InvalidParameterValueException', $fault: 'client', $metadata: { httpStatusCode: 400 } },
        );
      }
      fn.reserveConcurrency(wanted, now(), 'vigil-remediation');
      return { ReservedConcurrentExecutions: wanted };
    },
  );
  aws.on('Lambda.GetAccountSettings', () => ({
    AccountLimit: {
      ConcurrentExecutions: ACCOUNT_CONCURRENCY,
      UnreservedConcurrentExecutions: ACCOUNT_CONCURRENCY - reserved(),
    },
  }));
  aws.on('Lambda.GetAlias', (input: { FunctionName?: string; Name?: string }) => alias(aliased(input)));
  aws.on('Lambda.ListTags', (input: { Resource?: string }) => {
    const fn = functions.find((candidate) => candidate.functionArn === input.Resource);
    if (!fn) throw notFound(String(input.Resource));
    return { Tags: { ...fn.tags } };
  });
  aws.on('Lambda.ListVersionsByFunction', (input: { FunctionName?: string }) => {
    const fn = named(input.FunctionName);
    return {
      Versions: ['$LATEST', ...fn.versions].map((Version) => ({
        FunctionName: fn.functionName,
        Version,
        FunctionArn: `${fn.functionArn}:${Version}`,
      })),
    };
  });
  aws.on(
    'Lambda.UpdateAlias',
    (input: { FunctionName?: string; Name?: string; FunctionVersion?: string; RevisionId?: string }) => {
      const fn = aliased(input);
      if (input.RevisionId !== undefined && input.RevisionId !== fn.revisionId) {
        throw Object.assign(new Error('The Revision Id provided does not match the latest Revision Id.'), {
          name: 'PreconditionFailedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 412 },
        });
      }
      if (input.FunctionVersion !== undefined && !fn.versions.includes(input.FunctionVersion)) {
        throw notFound(`${fn.functionName}:${input.FunctionVersion}`);
      }
      fn.pointAlias(input.FunctionVersion ?? fn.aliasVersion, now(), 'vigil-remediation');
      return alias(fn);
    },
  );
}
