import type { Scenario } from '../scenario';
import { badModelRelease } from './bad-model-release';
import { flapping } from './flapping';
import { monthlyCost } from './monthly-cost';
import { needsApproval } from './needs-approval';
import { poisonMessages } from './poison-messages';
import { throttling } from './throttling';
import { uploadSite } from './upload-site';

/** Every scenario, the default first. */
export const SCENARIOS: readonly Scenario[] = [
  badModelRelease,
  throttling,
  flapping,
  poisonMessages,
  monthlyCost,
  needsApproval,
  uploadSite,
];
