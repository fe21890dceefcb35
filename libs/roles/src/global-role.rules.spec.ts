import { describe, expect, it } from 'vitest';
import { GlobalRoleConflictError, globalRoleOf } from './global-role.rules.js';

describe('the one-global-role rule', () => {
  it('allows one global role besides RegularUser', () => {
    expect(globalRoleOf([], 'alice')).toBe('RegularUser');
    expect(globalRoleOf(['RegularUser'], 'alice')).toBe('RegularUser');
    expect(globalRoleOf(['RegularUser', 'GlobalReader', 'GlobalReader'], 'alice')).toBe('GlobalReader');
  });

  it('refuses two, naming the user and the roles, in a domain error', () => {
    let thrown: unknown;
    try {
      globalRoleOf(['GlobalReader', 'RegularUser', 'GlobalAdministrator'], 'alice');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GlobalRoleConflictError);
    expect((thrown as GlobalRoleConflictError).privileged).toEqual(['GlobalReader', 'GlobalAdministrator']);
    expect((thrown as Error).message).toContain('user alice');
  });
});
