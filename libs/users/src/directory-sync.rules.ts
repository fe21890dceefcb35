/**
 * Records Entra provisions are Entra's: people change them in Entra ID, never through the
 * connector's other channels (the setup guide's hybrid management).
 */
export class ManagedByDirectorySyncError extends Error {
  constructor(
    readonly kind: 'User' | 'Group',
    readonly label: string,
  ) {
    super(
      `${kind} "${label}" is managed by directory synchronization (Microsoft Entra ID provisioning) and is read-only here; change it in Entra ID.`,
    );
  }
}

/** Throws ManagedByDirectorySyncError for a synchronized record; a manual one passes. */
export function assertManuallyManaged(
  kind: 'User' | 'Group',
  record: { isDirectorySynchronized: boolean },
  label: string,
): void {
  if (record.isDirectorySynchronized) throw new ManagedByDirectorySyncError(kind, label);
}
