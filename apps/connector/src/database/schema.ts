import { ApiToken } from '../../../../libs/auth/src/api-token.entity.js';
import { GroupMember } from '../../../../libs/groups/src/group-member.entity.js';
import { Group } from '../../../../libs/groups/src/group.entity.js';
import { GroupNestedGroup } from '../../../../libs/management/src/group-nested-group.entity.js';
import { Organization } from '../../../../libs/organizations/src/organization.entity.js';
import type { SchemaParts } from '../../../../libs/persistence/src/data-source.options.js';
import { Permission } from '../../../../libs/projects/src/permission.entity.js';
import { Project } from '../../../../libs/projects/src/project.entity.js';
import { SigningPolicy } from '../../../../libs/projects/src/signing-policy.entity.js';
import { SupportToken } from '../../../../libs/sync-audit/src/support-token.entity.js';
import { SyncAuditEvent } from '../../../../libs/sync-audit/src/sync-audit-event.entity.js';
import { User } from '../../../../libs/users/src/user.entity.js';
import { MIGRATIONS } from '../../../../migrations/index.js';

/** Every entity and migration of the connector; the one list the app, CLI and TypeORM CLI share. */
export const SCHEMA: SchemaParts = {
  entities: [
    Organization,
    User,
    ApiToken,
    SyncAuditEvent,
    SupportToken,
    Group,
    GroupMember,
    GroupNestedGroup,
    Project,
    SigningPolicy,
    Permission,
  ],
  migrations: MIGRATIONS,
};
