/**
 * Turns member-related PATCH operations into set operations the Groups service runs in SQL, so a
 * membership change never reads or rewrites the whole member list (Entra sends many membership
 * PATCHes in parallel; a read-modify-write would lose some).
 */
import { equalityValuesOfFilter } from './filter.ast.js';
import { isPlainObject } from './json.util.js';
import { type PatchOperation } from './patch.parser.js';
import { ScimError } from './scim.error.js';

export type MembershipChange =
  | { readonly kind: 'add'; readonly ids: string[] }
  | { readonly kind: 'remove'; readonly ids: string[] }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'replace'; readonly ids: string[] };

export function isMembershipOperation(operation: PatchOperation): boolean {
  return operation.path.known && operation.path.container === undefined && operation.path.name === 'members';
}

/** Membership changes, in request order, for every operation on `members`. */
export function membershipOperations(operations: readonly PatchOperation[]): MembershipChange[] {
  return operations.filter(isMembershipOperation).map(toMembershipChange);
}

/** Splits a request into membership changes (for SQL) and everything else (for the JSON/column update). */
export function partitionMembershipOperations(operations: readonly PatchOperation[]): {
  membership: MembershipChange[];
  others: PatchOperation[];
} {
  return {
    membership: membershipOperations(operations),
    others: operations.filter((operation) => !isMembershipOperation(operation)),
  };
}

function toMembershipChange(operation: PatchOperation): MembershipChange {
  const { op, path, value } = operation;
  if (path.subAttribute !== undefined) {
    throw ScimError.invalidPath(
      `'${path.raw}': members can only be changed as a whole or by 'value eq' filters`,
    );
  }
  if (path.valueFilter) {
    const ids = equalityValuesOfFilter(path.valueFilter, 'value');
    if (op !== 'remove' || !ids) {
      throw ScimError.invalidPath(
        `'${path.raw}': only 'remove' with 'value eq' filters is supported on members`,
      );
    }
    return { kind: 'remove', ids: unique(ids) };
  }
  switch (op) {
    case 'add':
      return { kind: 'add', ids: memberIds(value, path.raw) };
    case 'replace':
      return { kind: 'replace', ids: memberIds(value, path.raw) };
    case 'remove':
      // Entra's legacy form lists the members to remove; only a remove without value clears all.
      return value === undefined
        ? { kind: 'removeAll' }
        : { kind: 'remove', ids: memberIds(value, path.raw) };
  }
}

function memberIds(value: unknown, label: string): string[] {
  if (value === null || value === undefined) return [];
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return unique(
    items.map((item) => {
      const id = isPlainObject(item) ? item['value'] : item;
      if (typeof id !== 'string' || id.trim() === '') {
        throw ScimError.invalidValue(`'${label}': every member needs a non-empty string 'value'`);
      }
      return id;
    }),
  );
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
