import { ApiToken, SupportToken } from '#auth';
import { GroupMember, Group, GroupNestedGroup } from '#groups';
import { Organization } from '#organizations';
import type { SchemaParts } from '#persistence';
import { Permission, Project, SigningPolicy } from '#projects';
import { SyncAuditEvent } from '#audit-log';
import { User } from '#users';
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
