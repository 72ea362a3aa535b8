import {
  type AliasConfiguration,
  GetAliasCommand,
  type LambdaClient,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  UpdateAliasCommand,
  type UpdateAliasCommandInput,
} from '@aws-sdk/client-lambda';
import * as z from '../../shared/zod';
import type { ActionResult, RemediationPlan, TargetState } from '../remediation-types';
import {
  actOn,
  type Changes,
  isAwsError,
  makeCalls,
  nothingToDo,
  type Playbook,
  PlaybookError,
  type PlaybookStep,
  planOf,
  type TargetOf,
} from './playbook';

type AliasTarget = TargetOf<'lambda-alias'>;

/** The alias as it was before the run: enough to put it back exactly. */
export interface AliasSnapshot {
  readonly aliasArn: string;
  readonly functionVersion: string;
  /** Versions that get a share of the traffic next to `functionVersion` (`{ "8": 0.1 }`); empty when none. */
  readonly additionalVersionWeights: Readonly<Record<string, number>>;
  /** The alias's revision: `act` changes only this one, so a deploy since the snapshot is not overwritten. */
  readonly revisionId: string;
  /** The highest published version below `functionVersion`; null when there is none. */
  readonly previousVersion: string | null;
}

const aliasSnapshot: z.ZodMiniType<AliasSnapshot> = z.object({
  aliasArn: z.string().check(z.minLength(1)),
  functionVersion: z.string().check(z.minLength(1)),
  additionalVersionWeights: z.record(z.string(), z.number()),
  revisionId: z.string().check(z.minLength(1)),
  previousVersion: z.nullable(z.string().check(z.regex(/^\d+$/))),
});

const PUBLISHED_VERSION = /^\d+$/;

/** Points a Lambda alias back at the published version before the live one, e.g. after a bad deploy. */
export class LambdaAliasRollback implements Playbook<'lambda-alias', AliasSnapshot> {
  readonly id = 'lambda-alias-rollback';
  readonly targetKind = 'lambda-alias';
  readonly snapshotSchema = aliasSnapshot;

  constructor(private readonly lambda: LambdaClient) {}

  async describe(target: AliasTarget): Promise<TargetState> {
    const alias = await this.getAlias(target);
    if (alias?.AliasArn === undefined) return { exists: false, tags: {} };
    // Lambda cannot tag an alias: the opt-in tags are the function's.
    const { Tags } = await this.lambda.send(new ListTagsCommand({ Resource: functionArnOf(alias.AliasArn) }));
    return { exists: true, arn: alias.AliasArn, tags: Tags ?? {} };
  }

  async snapshot(target: AliasTarget): Promise<AliasSnapshot> {
    const alias = await this.getAlias(target);
    if (alias === undefined) throw notFound(target);
    const { AliasArn, FunctionVersion, RevisionId } = alias;
    if (AliasArn === undefined || FunctionVersion === undefined || RevisionId === undefined) {
      throw new Error(`GetAlias answered for ${describeAlias(target)} without its ARN, version or revision`);
    }
    return {
      aliasArn: AliasArn,
      functionVersion: FunctionVersion,
      additionalVersionWeights: alias.RoutingConfig?.AdditionalVersionWeights ?? {},
      revisionId: RevisionId,
      previousVersion: await this.versionBefore(target, FunctionVersion),
    };
  }

  plan(target: AliasTarget, snapshot: AliasSnapshot): RemediationPlan {
    return planOf(this.changes(target, snapshot));
  }

  act(target: AliasTarget, snapshot: AliasSnapshot, plan: RemediationPlan): Promise<ActionResult> {
    return actOn(this.changes(target, snapshot), plan);
  }

  async rollback(target: AliasTarget, snapshot: AliasSnapshot, action?: ActionResult): Promise<ActionResult> {
    if (this.changes(target, snapshot).nothingToDo !== undefined) return makeCalls([]);
    // Guarded by a revision so a deploy made by someone else is never undone: the one `act` left, or,
    // when `act` failed or its answer was lost, the snapshot's (the alias is unchanged unless another
    // deploy moved it, and then that deploy wins).
    const revisionAfterAct = action?.calls.find((call) => call.action === 'UpdateAlias')?.response.RevisionId;
    const parameters = {
      FunctionName: target.functionName,
      Name: target.aliasName,
      FunctionVersion: snapshot.functionVersion,
      RoutingConfig: { AdditionalVersionWeights: { ...snapshot.additionalVersionWeights } },
      RevisionId: typeof revisionAfterAct === 'string' ? revisionAfterAct : snapshot.revisionId,
    } satisfies UpdateAliasCommandInput;
    return makeCalls([
      this.updateAlias(
        target,
        parameters,
        `point ${target.aliasName} back to ${describeTraffic(snapshot)}, as before the run`,
      ),
    ]);
  }

  private changes(target: AliasTarget, snapshot: AliasSnapshot): Changes {
    if (snapshot.previousVersion === null) {
      return nothingToDo(
        `${describeAlias(target)} is on version ${snapshot.functionVersion} and there is no earlier published version to go back to`,
      );
    }
    const parameters = {
      FunctionName: target.functionName,
      Name: target.aliasName,
      FunctionVersion: snapshot.previousVersion,
      // An empty map clears weighted routing; leaving RoutingConfig out would keep the split.
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: snapshot.revisionId,
    } satisfies UpdateAliasCommandInput;
    const reason = `point ${target.aliasName} back from ${describeTraffic(snapshot)} to version ${snapshot.previousVersion}`;
    return { steps: [this.updateAlias(target, parameters, reason)] };
  }

  private updateAlias(
    target: AliasTarget,
    parameters: UpdateAliasCommandInput & Record<string, unknown>,
    reason: string,
  ): PlaybookStep {
    return {
      call: { service: 'lambda', action: 'UpdateAlias', parameters, reason },
      make: async () => {
        try {
          return await this.lambda.send(new UpdateAliasCommand(parameters));
        } catch (error) {
          if (isAwsError(error, 'PreconditionFailedException')) {
            throw new PlaybookError(
              'TARGET_CHANGED',
              `${describeAlias(target)} changed since the snapshot (another deploy?) and was left as it is`,
              { cause: error },
            );
          }
          if (isAwsError(error, 'ResourceNotFoundException')) throw notFound(target, error);
          throw error;
        }
      },
    };
  }

  private async getAlias(target: AliasTarget): Promise<AliasConfiguration | undefined> {
    try {
      return await this.lambda.send(
        new GetAliasCommand({ FunctionName: target.functionName, Name: target.aliasName }),
      );
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
      throw error;
    }
  }

  /** The highest published version below `current`; `$LATEST` is not a published version. */
  private async versionBefore(target: AliasTarget, current: string): Promise<string | null> {
    if (!PUBLISHED_VERSION.test(current)) return null;
    let previous: number | undefined;
    let marker: string | undefined;
    try {
      do {
        const page = await this.lambda.send(
          new ListVersionsByFunctionCommand({
            FunctionName: target.functionName,
            ...(marker === undefined ? {} : { Marker: marker }),
          }),
        );
        for (const { Version } of page.Versions ?? []) {
          if (Version === undefined || !PUBLISHED_VERSION.test(Version)) continue;
          const version = Number(Version);
          if (version < Number(current) && (previous === undefined || version > previous)) previous = version;
        }
        marker = page.NextMarker;
      } while (marker !== undefined);
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) throw notFound(target, error);
      throw error;
    }
    return previous === undefined ? null : String(previous);
  }
}

/** `arn:…:function:orders:live` → `arn:…:function:orders`. */
function functionArnOf(aliasArn: string): string {
  return aliasArn.slice(0, aliasArn.lastIndexOf(':'));
}

function describeAlias(target: AliasTarget): string {
  return `alias ${target.aliasName} of ${target.functionName}`;
}

/** `version 7`, or `version 7 (and 10% to version 8)` when traffic is split. */
function describeTraffic(snapshot: AliasSnapshot): string {
  const shares = Object.entries(snapshot.additionalVersionWeights).map(
    ([version, weight]) => `${Math.round(weight * 1000) / 10}% to version ${version}`,
  );
  const main = `version ${snapshot.functionVersion}`;
  return shares.length === 0 ? main : `${main} (and ${shares.join(', ')})`;
}

function notFound(target: AliasTarget, cause?: unknown): PlaybookError {
  return new PlaybookError('NOT_FOUND', `${describeAlias(target)} does not exist`, { cause });
}
