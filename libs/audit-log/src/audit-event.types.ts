/** What a request did, as the channel that served it describes it to the audit log. */
export type AuditOperation =
  'query' | 'read' | 'create' | 'update' | 'replace' | 'delete' | 'discovery' | 'test-connection';

export const AUDIT_OPERATIONS: readonly AuditOperation[] = [
  'query',
  'read',
  'create',
  'update',
  'replace',
  'delete',
  'discovery',
  'test-connection',
];

export type AuditResourceType = 'User' | 'Group' | 'ServiceProviderConfig' | 'ResourceType' | 'Schema';

export const AUDIT_RESOURCE_TYPES: readonly AuditResourceType[] = [
  'User',
  'Group',
  'ServiceProviderConfig',
  'ResourceType',
  'Schema',
];

/** What a request is about; every field is optional and later calls overwrite earlier ones. */
export interface AuditTarget {
  resourceType?: AuditResourceType;
  resourceId?: string | null;
  externalId?: string | null;
  userName?: string | null;
  displayName?: string | null;
}

/** What a request changed (or, in dry-run, would have changed). */
export interface AuditEffect {
  /** Attribute path -> value before and after. */
  changed?: Record<string, { before: unknown; after: unknown }>;
  /** Ids; the stored record keeps the first 100 of each list and the exact count. */
  membersAdded?: string[];
  membersRemoved?: string[];
  membersRemovedAll?: boolean;
  consequences?: {
    // `string & {}`: any kind is accepted, and editors still suggest the two known ones.
    kind: 'user-deactivated' | 'user-reactivated' | (string & {});
    userIds: string[];
    reason: string;
  }[];
  notes?: string[];
}
