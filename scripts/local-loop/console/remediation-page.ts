import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { LEDGER_TABLE_KEYS } from '../../../constructs/contracts/remediation';
import type { RunResources } from '../scenario';
import { escapeHtml, jsonBlock, notFound, type Page } from './html';
import { entryNumber } from './run-folder';
import { type GraphDefinition, stateMachineSvg } from './state-machine-graph';

interface RemediationFile {
  readonly name: string;
  readonly playbook: string;
  readonly target: string;
  readonly outcome: string;
  readonly input: unknown;
  readonly result: {
    readonly output?: { readonly request?: { readonly runId?: string } };
    readonly states: string[];
  };
  readonly definition: GraphDefinition;
}

/**
 * One remediation run: the state machine with the path it took, its input and result from
 * `remediation-NN.json`, and its ledger record read from the run's local DynamoDB.
 */
export async function remediationPage(
  runFolder: string,
  segment: string | undefined,
  resources: RunResources | undefined,
): Promise<Page> {
  const number = entryNumber(segment);
  const file = number && path.join(runFolder, `remediation-${number}.json`);
  if (!file || !fs.existsSync(file)) return notFound(`The run has no remediation ${segment ?? ''}.`);
  const run = JSON.parse(fs.readFileSync(file, 'utf8')) as RemediationFile;
  // The run id is the execution name's hash (the dispatcher names executions `<playbook>-<run id>`).
  const runId = run.result.output?.request?.runId ?? run.name.split('-').at(-1) ?? '';
  const ledger = await ledgerRecord(resources, runId);
  return {
    title: `Remediation ${number}: ${run.playbook} on ${run.target}`,
    body: `<p>Outcome <strong>${escapeHtml(run.outcome)}</strong>; run ${escapeHtml(runId)}; execution ${escapeHtml(run.name)}.</p>
<h2>State machine, path taken</h2>
<div class="graph">${stateMachineSvg(run.definition, run.result.states)}</div>
<h2>Input</h2>${jsonBlock(run.input)}
<h2>Result</h2>${jsonBlock(run.result)}
<h2>Ledger record</h2>${ledger}`,
  };
}

/** The run's record in the remediation ledger (`pk = run#<runId>`, `sk = run`, remediation-ledger.ts). */
async function ledgerRecord(resources: RunResources | undefined, runId: string): Promise<string> {
  if (!resources) return '<p class="muted">The run has not opened its local AWS.</p>';
  try {
    const { Item } = await resources.clients.dynamoDb.send(
      new GetCommand({
        TableName: resources.ledgerTableName,
        Key: { [LEDGER_TABLE_KEYS.partitionKey]: `run#${runId}`, [LEDGER_TABLE_KEYS.sortKey]: 'run' },
      }),
    );
    return Item ? jsonBlock(Item) : '<p class="muted">The ledger has no record of this run.</p>';
  } catch (error) {
    return `<p class="muted">${escapeHtml(`The ledger could not be read: ${(error as Error).message}`)}</p>`;
  }
}
