import { HttpException } from '@nestjs/common';
import { GroupCycleError } from '#groups';
import { constraintOf, isUniqueViolation } from '#persistence';
import { ManagedByDirectorySyncError } from '#users';

/**
 * The stable error codes of the management API. Clients branch on `code` (or the problem `type`
 * made of it), never on `detail`, which is for people and may be reworded.
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

/**
 * The problem `title` of each code (RFC 9457 §3.1.3): the same for every occurrence, unlike
 * `detail`. Next to the codes so that a new code cannot be added without one.
 */
export const MANAGEMENT_ERROR_TITLES: Readonly<Record<ManagementErrorCode, string>> = {
  VALIDATION_FAILED: 'Validation failed',
  GROUP_CYCLE: 'Group membership cycle',
  UNAUTHENTICATED: 'Authentication required',
  WRONG_ORGANIZATION: 'Wrong organization',
  ROLE_NOT_ALLOWED: 'Role not allowed',
  GLOBAL_ADMINISTRATOR_REQUIRED: 'Global administrator required',
  USER_NOT_FOUND: 'User not found',
  GROUP_NOT_FOUND: 'Group not found',
  MEMBER_NOT_FOUND: 'Member not found',
  PROJECT_NOT_FOUND: 'Project not found',
  SIGNING_POLICY_NOT_FOUND: 'Signing policy not found',
  PERMISSION_NOT_FOUND: 'Permission not found',
  TOKEN_NOT_FOUND: 'Token not found',
  MANAGED_BY_DIRECTORY_SYNC: 'Managed by directory synchronization',
  USER_NAME_TAKEN: 'User name taken',
  IDENTITY_TAKEN: 'Identity taken',
  GROUP_NAME_TAKEN: 'Group name taken',
  PROJECT_NAME_TAKEN: 'Project name taken',
  SIGNING_POLICY_NAME_TAKEN: 'Signing policy name taken',
  PERMISSION_ALREADY_GRANTED: 'Permission already granted',
  AUDIT_UNAVAILABLE: 'Audit unavailable',
};

/**
 * What a management error hands the global error renderer, which sends it as RFC 9457 problem
 * details: it adds the `type` made of `code`, and `requestId`.
 */
export interface ManagementErrorBody {
  status: number;
  code: ManagementErrorCode;
  title: string;
  /** For people; clients branch on `code`. */
  detail: string;
  /** The request field at fault (body or query property, dotted for nested ones), when there is one. */
  field?: string;
}

/** An HttpException whose response is the error body; the renderer reads it from `getResponse()`. */
export class ManagementError extends HttpException {
  readonly code: ManagementErrorCode;

  constructor(status: number, code: ManagementErrorCode, detail: string, field?: string) {
    const body: ManagementErrorBody = {
      status,
      code,
      title: MANAGEMENT_ERROR_TITLES[code],
      detail,
      ...(field ? { field } : {}),
    };
    super(body, status);
    this.code = code;
    // HttpException takes its message from a `message` member, which the body no longer has; the
    // log line of a 5xx should say what went wrong, not "Management Error".
    this.message = detail;
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

/**
 * The management API's answer to a domain rule's error; anything else is returned as it is. The
 * rules live in the domain libraries and speak their own errors; this is the one place that turns
 * them into this API's codes.
 */
export function managementErrorOf(error: unknown): unknown {
  if (error instanceof ManagedByDirectorySyncError) {
    return new ManagementError(409, 'MANAGED_BY_DIRECTORY_SYNC', error.message);
  }
  if (error instanceof GroupCycleError) return new ManagementError(400, 'GROUP_CYCLE', error.message, 'id');
  return error;
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
