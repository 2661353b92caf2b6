// Every check, in the order they run: keys first, then the schedule call's order, fencing, retries,
// 409 bodies, reports and scale-ups. Names are unique and stable (tests and docs cite them).
import type { Check } from '../check';
import { AUTH_CHECKS } from './auth';
import { CONFLICT_BODY_CHECKS } from './conflict-bodies';
import { FENCING_CHECKS } from './fencing';
import { RETRY_CHECKS } from './retry';
import { SCALE_UP_CHECKS } from './scale-up';
import { SCHEDULE_ORDER_CHECKS } from './schedule-order';
import { UNSCHEDULABLE_CHECKS } from './unschedulable';

export const ALL_CHECKS: readonly Check[] = [
  ...AUTH_CHECKS,
  ...SCHEDULE_ORDER_CHECKS,
  ...FENCING_CHECKS,
  ...RETRY_CHECKS,
  ...CONFLICT_BODY_CHECKS,
  ...UNSCHEDULABLE_CHECKS,
  ...SCALE_UP_CHECKS,
];
