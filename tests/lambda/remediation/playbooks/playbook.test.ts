import '../../support/test-environment';
import { PLAYBOOK_IDS } from '../../../../constructs/contracts/remediation';
import { DlqRedrive } from '../../../../lambda/remediation/playbooks/dlq-redrive';
import { LambdaAliasRollback } from '../../../../lambda/remediation/playbooks/lambda-alias-rollback';
import { LambdaConcurrency } from '../../../../lambda/remediation/playbooks/lambda-concurrency';
import {
  actOn,
  makeCalls,
  PlaybookError,
  type PlaybookStep,
  playbookErrorName,
} from '../../../../lambda/remediation/playbooks/playbook';
import { playbookFor } from '../../../../lambda/remediation/playbooks/playbooks';
import { playbookClients } from '../support/playbook-fixtures';

const step = (make: PlaybookStep['make'], reason = 'because'): PlaybookStep => ({
  call: { service: 'lambda', action: 'UpdateAlias', parameters: { FunctionVersion: '6' }, reason },
  make,
});

test('a PlaybookError is named by its code, which is what a Step Functions Catch matches', () => {
  const error = new PlaybookError('TARGET_CHANGED', 'alias moved');
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('PlaybookError.TARGET_CHANGED');
  expect(error.name).toBe(playbookErrorName('TARGET_CHANGED'));
  expect(error.code).toBe('TARGET_CHANGED');
});

test('the calls made report what AWS answered, without the SDK’s request metadata', async () => {
  const result = await makeCalls([
    step(async () => ({ RevisionId: 'r2', $metadata: { httpStatusCode: 200, requestId: 'req' } })),
  ]);
  expect(result.calls).toEqual([
    {
      service: 'lambda',
      action: 'UpdateAlias',
      parameters: { FunctionVersion: '6' },
      reason: 'because',
      response: { RevisionId: 'r2' },
    },
  ]);
});

test('a failed call stops the ones after it', async () => {
  const second = jest.fn(async () => ({}));
  const error = new Error('boom');
  await expect(
    makeCalls([
      step(async () => {
        throw error;
      }),
      step(second),
    ]),
  ).rejects.toBe(error);
  expect(second).not.toHaveBeenCalled();
});

test('an approved plan whose reason was reworded since is still the same plan', async () => {
  const make = jest.fn(async () => ({}));
  const approved = { calls: [step(make, 'worded at planning time').call] };
  await actOn({ steps: [step(make, 'worded differently now')] }, approved);
  expect(make).toHaveBeenCalledTimes(1);
});

test.each([
  ['lambda-alias-rollback', LambdaAliasRollback, 'lambda-alias'],
  ['lambda-concurrency', LambdaConcurrency, 'lambda-function'],
  ['dlq-redrive', DlqRedrive, 'sqs-queue'],
] as const)('playbookFor(%s) is the playbook of that id', (id, type, targetKind) => {
  const playbook = playbookFor(id, playbookClients());
  expect(playbook).toBeInstanceOf(type);
  expect(playbook).toMatchObject({ id, targetKind });
});

test('every playbook id has a playbook', () => {
  for (const id of PLAYBOOK_IDS) expect(playbookFor(id, playbookClients()).id).toBe(id);
});

test('a playbook creates only the client it uses', () => {
  const { sqs, lambda } = playbookClients();
  const onlyLambda = {
    lambda,
    get sqs(): typeof sqs {
      throw new Error('SQS client created');
    },
  };
  const onlySqs = {
    sqs,
    get lambda(): typeof lambda {
      throw new Error('Lambda client created');
    },
  };
  expect(() => playbookFor('lambda-alias-rollback', onlyLambda)).not.toThrow();
  expect(() => playbookFor('lambda-concurrency', onlyLambda)).not.toThrow();
  expect(() => playbookFor('dlq-redrive', onlySqs)).not.toThrow();
});
