import { EPISODE_FLAPPING_INDEX, EPISODE_TABLE_KEYS } from '../../../../constructs/contracts/alerting';
import { createTable } from '../../support/local-dynamodb';

let tables = 0;

/** Creates an episode table, keyed as the stack keys it, on a local DynamoDB and returns its name. */
export function createEpisodeTable(endpoint: string): Promise<string> {
  return createTable(endpoint, `episodes-${++tables}`, EPISODE_TABLE_KEYS, EPISODE_FLAPPING_INDEX);
}
