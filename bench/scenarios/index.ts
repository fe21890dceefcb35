import { ratioTarget, type BenchScenario, type Context } from '../scenario.context.js';
import { getUsersFilter } from './01-get-users-filter.js';
import { getUsersFilterOrganizations } from './01b-get-users-filter-organizations.js';
import { postUsers } from './02-post-users.js';
import { patchUsersActive } from './03-patch-users-active.js';
import { groupMembershipPatch } from './04-group-membership-patch.js';
import { groupBulkAdd } from './05-group-bulk-add.js';
import { initialCycle } from './06-initial-cycle.js';
import { dryRunPostUsers } from './07-dry-run-post-users.js';
import { auditApi } from './08-audit-api.js';
import { readiness } from './09-readiness.js';
import { auditRedaction } from './10-audit-redaction.js';
import { fairness } from './11-fairness.js';
import { heavyReads } from './12-heavy-reads.js';

/** Every scenario in the order a run measures them: the issue's, but 7 right after its twin 2. */
export const BENCH_SCENARIOS: readonly BenchScenario[] = [
  getUsersFilter,
  getUsersFilterOrganizations,
  postUsers,
  dryRunPostUsers,
  patchUsersActive,
  groupMembershipPatch,
  groupBulkAdd,
  initialCycle,
  auditApi,
  readiness,
  auditRedaction,
  fairness,
  heavyReads,
];

/** Scenario 1 and 2 targets, from their rows: put first once every scenario has run. */
export function addRatioTargets(context: Context): void {
  const byId = (id: string) => context.rows.find((row) => row.id === id);
  if (byId('users-get')?.measurement)
    context.targets.unshift(ratioTarget('1 GET /Users filter userName', byId('users-get'), 0.3));
  if (byId('users-post')?.measurement) {
    context.targets.splice(1, 0, ratioTarget('2 POST /Users', byId('users-post'), 0.5));
  }
}
