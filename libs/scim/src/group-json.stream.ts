import { Readable } from 'node:stream';
import type { MemberRow } from '#groups';
import { scimMember } from './scim-group.mapper.js';
import type { StreamedGroup } from './scim-groups.service.js';

/** Bytes a streamed group response buffers before it stops reading the database (about one batch). */
export const GROUP_STREAM_HIGH_WATER_MARK = 64 * 1024;

/**
 * The group's JSON with its members written batch by batch, never all in memory. A byte stream (not
 * object mode) with a small high-water mark: it reads the next batch of members only when the
 * response has taken what it buffered, so a slow client holds about one batch plus its socket's
 * buffer, and a client that leaves stops the reading (destroy ends the batch generator; no database
 * connection is held between batches).
 */
export class GroupJsonStream extends Readable {
  private readonly batches: AsyncIterator<MemberRow[]>;
  private state: 'head' | 'members' | 'done' = 'head';
  private reading = false;
  private first = true;

  constructor(private readonly group: StreamedGroup) {
    super({ highWaterMark: GROUP_STREAM_HIGH_WATER_MARK });
    this.batches = group.members[Symbol.asyncIterator]();
  }

  override _read(): void {
    if (this.state === 'head') {
      this.state = 'members';
      const head = JSON.stringify(this.group.body);
      this.push(`${head.slice(0, -1)},"members":[`);
      return;
    }
    if (this.state === 'done' || this.reading) return;
    this.reading = true;
    this.batches.next().then(
      (next) => {
        this.reading = false;
        if (this.destroyed) return;
        if (next.done) {
          this.state = 'done';
          this.push(']}');
          this.push(null);
          return;
        }
        const { tenantUrl } = this.group;
        const parts = next.value.map((member) => JSON.stringify(scimMember(member, tenantUrl)));
        this.push(`${this.first ? '' : ','}${parts.join(',')}`);
        this.first = false;
      },
      (error: unknown) => {
        this.reading = false;
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Ends the generator (after the batch it may be reading), so no further batch is queried.
    this.state = 'done';
    void this.batches.return?.().then(
      () => callback(error),
      () => callback(error),
    );
  }
}
