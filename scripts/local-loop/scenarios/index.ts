import type { Scenario } from '../scenario';
import { badModelRelease } from './bad-model-release';

/** Every scenario, the default first. */
export const SCENARIOS: readonly Scenario[] = [badModelRelease];
