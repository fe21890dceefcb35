import { finished } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#config';
import { ConnectorMetrics } from '#metrics';

/**
 * Bounds the SCIM responses whose size follows a group's size (a group's members streamed, a list
 * page with members embedded): at most `SCIM_HEAVY_READS_MAX` in this process and
 * `SCIM_HEAVY_READS_PER_ORGANIZATION` per organization. A request over either limit is refused with
 * 503 and `Retry-After` (Entra retries it), before any member is read.
 *
 * A slot is held until the response is done: written out to the last byte, or closed because the
 * client went away. Not until the handler returns: a streamed group is read from the database while
 * it is written, after the handler.
 */
@Injectable()
export class HeavyReadsLimiter {
  private total = 0;
  private readonly perOrganization = new Map<string, number>();
  /** Responses holding a slot: a handler run again (a retried transaction) takes no second one. */
  private readonly holding = new WeakSet<ServerResponse>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: ConnectorMetrics,
  ) {}

  /** Heavy responses in flight, in this process or (given one) for one organization. */
  inFlight(organizationId?: string): number {
    return organizationId === undefined ? this.total : (this.perOrganization.get(organizationId) ?? 0);
  }

  /**
   * Takes a slot for `organizationId` for as long as `response` is open, or throws the 503 the client
   * gets. Safe to call for a response that has already closed: the slot is given back at once. A
   * response that already holds a slot keeps it and takes no other.
   */
  acquireUntilClosed(organizationId: string, response: ServerResponse): void {
    if (this.holding.has(response)) return;
    const release = this.acquire(organizationId);
    this.holding.add(response);
    // One more listener than Node's default ten: a streamed response already carries ten of its own
    // (Fastify's and Nest's end-of-stream watchers, the pipe), and this one is not a leak.
    response.setMaxListeners(response.getMaxListeners() + 1);
    finished(response, () => release());
  }

  /** Takes a slot; the returned function gives it back (once, however often it is called). */
  acquire(organizationId: string): () => void {
    const ofOrganization = this.perOrganization.get(organizationId) ?? 0;
    if (this.total >= this.config.scimHeavyReadsMax) {
      this.metrics.heavyReadRefusals.inc({ scope: 'process' });
      throw new ServiceUnavailableException(
        `This server is already sending ${this.total} large responses (group members); retry later, or ask with excludedAttributes=members.`,
      );
    }
    if (ofOrganization >= this.config.scimHeavyReadsPerOrganization) {
      this.metrics.heavyReadRefusals.inc({ scope: 'organization' });
      throw new ServiceUnavailableException(
        `This organization already has ${ofOrganization} large responses (group members) in flight; retry later, or ask with excludedAttributes=members.`,
      );
    }
    this.total += 1;
    this.perOrganization.set(organizationId, ofOrganization + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perOrganization.get(organizationId) ?? 1) - 1;
      if (left > 0) this.perOrganization.set(organizationId, left);
      else this.perOrganization.delete(organizationId);
    };
  }
}
