import type { LocalAws } from './local-aws';

/** A change of the alias, as CloudTrail would record it. */
export interface AliasChange {
  readonly at: number;
  readonly version: string;
  readonly by: string;
}

/**
 * One function's published versions and its alias, as Lambda keeps them: the traffic model reads
 * which version the alias serves, the playbook moves it through GetAlias/UpdateAlias with RevisionId.
 */
export class LocalLambdaFunction {
  readonly versions: string[] = [];
  readonly changes: AliasChange[] = [];
  private current = '';
  private revision = 0;

  constructor(
    readonly functionName: string,
    readonly functionArn: string,
    readonly aliasName: string,
    readonly tags: Readonly<Record<string, string>>,
  ) {}

  /** PublishVersion: the next version number. */
  publishVersion(): string {
    const version = String(this.versions.length + 1);
    this.versions.push(version);
    return version;
  }

  pointAlias(version: string, at: number, by: string): void {
    this.current = version;
    this.revision++;
    this.changes.push({ at, version, by });
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
  const alias = (fn: LocalLambdaFunction) => ({
    AliasArn: `${fn.functionArn}:${fn.aliasName}`,
    Name: fn.aliasName,
    FunctionVersion: fn.aliasVersion,
    RevisionId: fn.revisionId,
  });
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
