import { describe, expect, it } from 'vitest';
import { ConnectorMetrics, statusClassOf } from './connector.metrics.js';

describe('ConnectorMetrics', () => {
  it('classes statuses', () => {
    expect([101, 200, 204, 304, 400, 404, 429, 499, 500, 503].map(statusClassOf)).toEqual([
      '1xx',
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '4xx',
      '4xx',
      '5xx',
      '5xx',
    ]);
  });

  it('counts a SCIM request with its outcome, status class and mode, and times it in seconds', async () => {
    const metrics = new ConnectorMetrics();
    metrics.observeScimRequest({
      resource: 'User',
      operation: 'read',
      status: 404,
      dryRun: true,
      durationSeconds: 0.03,
    });
    const text = await metrics.scrape();
    expect(text).toContain(
      'scim_requests_total{resource="User",operation="read",outcome="failure",status_class="4xx",mode="dry_run"} 1',
    );
    expect(text).toContain(
      'scim_request_duration_seconds_bucket{le="0.025",resource="User",operation="read",mode="dry_run"} 0',
    );
    expect(text).toContain(
      'scim_request_duration_seconds_bucket{le="0.05",resource="User",operation="read",mode="dry_run"} 1',
    );
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('samples the pool and the audit queues at scrape time, 0 before they are watched', async () => {
    const metrics = new ConnectorMetrics();
    expect(await metrics.scrape()).toMatch(/^db_pool_waiting_clients 0$/m);
    let waiting = 2;
    metrics.watchPool(() => ({ totalCount: 5, idleCount: 0, waitingCount: waiting }), 5);
    metrics.watchAuditSpool(() => 7);
    waiting = 3;
    const text = await metrics.scrape();
    expect(text).toMatch(/^db_pool_waiting_clients 3$/m);
    expect(text).toMatch(/^db_pool_max_connections 5$/m);
    expect(text).toMatch(/^audit_spool_rows 7$/m);
  });

  it('keeps one registry per instance', async () => {
    const one = new ConnectorMetrics();
    const two = new ConnectorMetrics();
    one.tokenVerifications.inc({ result: 'valid' });
    expect(await one.scrape()).toContain('auth_token_verifications_total{result="valid"} 1');
    expect(await two.scrape()).not.toContain('auth_token_verifications_total{result="valid"}');
  });
});
