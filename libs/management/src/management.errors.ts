import { HttpException } from '@nestjs/common';
import { constraintOf, isUniqueViolation } from '#persistence';

/**
 * The stable error codes of the management API. Clients branch on `code`, never on `message`,
 * which is for people and may be reworded.
 */
export const MANAGEMENT_ERROR_CODES = [
  'VALIDATION_FAILED',
  'GROUP_CYCLE',
  'UNAUTHENTICATED',
  'WRONG_ORGANIZATION',
  'ROLE_NOT_ALLOWED',
  'GLOBAL_ADMINISTRATOR_REQUIRED',
  'USER_NOT_FOUND',
  'GROUP_NOT_FOUND',
  'MEMBER_NOT_FOUND',
  'PROJECT_NOT_FOUND',
  'SIGNING_POLICY_NOT_FOUND',
  'PERMISSION_NOT_FOUND',
  'TOKEN_NOT_FOUND',
  'MANAGED_BY_DIRECTORY_SYNC',
  'USER_NAME_TAKEN',
  'IDENTITY_TAKEN',
  'GROUP_NAME_TAKEN',
  'PROJECT_NAME_TAKEN',
  'SIGNING_POLICY_NAME_TAKEN',
  'PERMISSION_ALREADY_GRANTED',
  'AUDIT_UNAVAILABLE',
] as const;

export type ManagementErrorCode = (typeof MANAGEMENT_ERROR_CODES)[number];

/** The body of every management API error; the error renderer adds `requestId`. */
export interface ManagementErrorBody {
  statusCode: number;
  code: ManagementErrorCode;
  message: string;
  /** The request field at fault (body or query property, dotted for nested ones), when there is one. */
  field?: string;
}

/**
 * An HttpException whose response is the error body: outside /scim the global error renderer
 * sends an HttpException's own object body, plus the request id.
 */
export class ManagementError extends HttpException {
  constructor(status: number, code: ManagementErrorCode, message: string, field?: string) {
    const body: ManagementErrorBody = { statusCode: status, code, message, ...(field ? { field } : {}) };
    super(body, status);
  }
}

export function validationFailed(message: string, field?: string): ManagementError {
  return new ManagementError(400, 'VALIDATION_FAILED', message, field);
}

export type ResourceKind = 'User' | 'Group' | 'Project' | 'Signing policy' | 'Permission' | 'Token';

const NOT_FOUND_CODES: Record<ResourceKind, ManagementErrorCode> = {
  User: 'USER_NOT_FOUND',
  Group: 'GROUP_NOT_FOUND',
  Project: 'PROJECT_NOT_FOUND',
  'Signing policy': 'SIGNING_POLICY_NOT_FOUND',
  Permission: 'PERMISSION_NOT_FOUND',
  Token: 'TOKEN_NOT_FOUND',
};

/** Also for ids of another organization: they are indistinguishable from ids that do not exist. */
export function notFound(kind: ResourceKind, id: string, field?: string): ManagementError {
  return new ManagementError(
    404,
    NOT_FOUND_CODES[kind],
    `${kind} ${id} does not exist in this organization.`,
    field,
  );
}

export function managedByDirectorySync(kind: 'User' | 'Group', label: string): ManagementError {
  return new ManagementError(
    409,
    'MANAGED_BY_DIRECTORY_SYNC',
    `${kind} "${label}" is managed by directory synchronization (Microsoft Entra ID provisioning) and is read-only here; change it in Entra ID.`,
  );
}

/** Maps a unique-index violation to its 409; rethrows anything else. */
export function rethrowConflict(
  error: unknown,
  byConstraint: Record<string, { code: ManagementErrorCode; field: string; message: string }>,
): never {
  if (isUniqueViolation(error)) {
    const conflict = byConstraint[constraintOf(error) ?? ''];
    if (conflict) throw new ManagementError(409, conflict.code, conflict.message, conflict.field);
  }
  throw error;
}

/** A referenced row vanished between our check and the insert (a concurrent delete). */
export function isForeignKeyViolation(error: unknown): boolean {
  const record = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  return record?.code === '23503' || record?.driverError?.code === '23503';
}
