import { InitialSchema1764380000000 } from './1764380000000-initial-schema.js';
import { ScimUsers1764390000000 } from './1764390000000-scim-users.js';
import { SyncAudit1764400000000 } from './1764400000000-sync-audit.js';
import { ScimGroups1764410000000 } from './1764410000000-scim-groups.js';
import { Management1764420000000 } from './1764420000000-management.js';
import { AuditManualChanges1764430000000 } from './1764430000000-audit-manual-changes.js';
import { ScrubSecrets1764440000000 } from './1764440000000-scrub-secrets.js';
import { AuditAggregatedRows1764450000000 } from './1764450000000-audit-aggregated-rows.js';
import { NormalizeUserNames1764460000000 } from './1764460000000-normalize-user-names.js';
import { TokenCacheNotifications1764470000000 } from './1764470000000-token-cache-notifications.js';
import { TokenCacheNotifyTokenHolders1764480000000 } from './1764480000000-token-cache-notify-token-holders.js';

/** In order of application. Add every new migration here (the data source imports classes, not globs). */
export const MIGRATIONS = [
  InitialSchema1764380000000,
  ScimUsers1764390000000,
  SyncAudit1764400000000,
  ScimGroups1764410000000,
  Management1764420000000,
  AuditManualChanges1764430000000,
  ScrubSecrets1764440000000,
  AuditAggregatedRows1764450000000,
  NormalizeUserNames1764460000000,
  TokenCacheNotifications1764470000000,
  TokenCacheNotifyTokenHolders1764480000000,
];
