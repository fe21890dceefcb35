import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { OpenAPIObject } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../scripts/openapi-document.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

interface LintResult {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string }[];
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
}

let directory: string;

/** Lints the document with Redocly CLI and the project's redocly.yaml, as `npm run lint:openapi` does. */
async function lint(document: unknown): Promise<LintResult> {
  const file = join(directory, `openapi-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(document));
  const run = promisify(execFile);
  const args = [REDOCLY, 'lint', '--format=json', '--config', join(ROOT, 'redocly.yaml'), file];
  // Exit code 1 when there are problems; the JSON report on stdout says which either way.
  const { stdout } = await run(process.execPath, args, { cwd: ROOT }).catch(
    (error: { stdout?: string; code?: number }) => {
      if (error.code !== 1 || !error.stdout) throw error;
      return { stdout: error.stdout };
    },
  );
  return JSON.parse(stdout) as LintResult;
}

function operations(document: OpenAPIObject): [where: string, operation: Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = (item as Record<string, Operation | undefined>)[method];
      return operation ? [[`${method} ${path}`, operation] as [string, Operation]] : [];
    }),
  );
}

describe('OpenAPI document (/api/docs-json)', () => {
  let t: TestApp;
  let served: OpenAPIObject;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'openapi-'));
    t = await startTestApp();
    const response = await t.http().get('/api/docs-json');
    expect(response.status).toBe(200);
    served = response.body as OpenAPIObject;
  });

  afterAll(async () => {
    await t?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('names PUBLIC_BASE_URL as its server and carries a license', () => {
    expect(served.servers).toEqual([{ url: 'http://scim.test', description: expect.any(String) }]);
    expect(served.info.license?.name).toBe('Proprietary');
  });

  it('gives every operation a unique camelCase operationId, a summary, a description and a declared tag', () => {
    const all = operations(served);
    // The audit API's 4 operations and the management API's 35.
    expect(all.length).toBeGreaterThanOrEqual(39);
    const ids = all.map(([, operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const declared = new Map((served.tags ?? []).map((tag) => [tag.name, tag.description]));
    for (const [where, operation] of all) {
      expect(operation.operationId, where).toMatch(/^[a-z][a-zA-Z]+$/);
      expect(operation.operationId, where).not.toContain('Controller_');
      expect(operation.summary, where).toMatch(/^[A-Z].{5,60}$/);
      expect(operation.description, where).toMatch(/\S{3,}/);
      expect(operation.tags, where).toHaveLength(1);
      expect(declared.get(operation.tags![0]!), where).toMatch(/\S{3,}/);
    }
    expect(ids).toEqual(
      expect.arrayContaining([
        'listAuditEvents',
        'getAuditEvent',
        'exportAuditEvents',
        'getOrganizationAuditSummary',
        'listUsers',
        'createUser',
        'deactivateUser',
        'addGroupMember',
        'grantSigningPolicyPermission',
        'revokeToken',
      ]),
    );
    expect(served.paths['/api/v1/audit/events']!.get!.operationId).toBe('listAuditEvents');
    expect(
      served.paths['/api/v1/organizations/{organizationId}/users/{id}/deactivate']!.post!.operationId,
    ).toBe('deactivateUser');
  });

  it('passes Redocly lint (redocly.yaml: recommended-strict) without errors or warnings', async () => {
    const result = await lint(served);
    expect(result.problems).toEqual([]);
    expect(result.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  });

  it('is what `npm run lint:openapi` lints: the document built without a database, relative server when PUBLIC_BASE_URL is unset', async () => {
    const offline = await buildOpenApiDocument(undefined);
    expect(offline.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect({ ...offline, servers: served.servers }).toEqual(served);
    const result = await lint(offline);
    expect(result.problems).toEqual([]);
    expect(result.totals.errors + result.totals.warnings).toBe(0);
  });

  it('the lint fails on what the issue reported: empty servers, no license, Controller_ operation ids', async () => {
    const broken = structuredClone(served);
    broken.servers = [];
    delete broken.info.license;
    broken.paths['/api/v1/audit/events']!.get!.operationId = 'AuditController_list';
    const result = await lint(broken);
    expect(result.problems.map((problem) => problem.ruleId).sort()).toEqual([
      'info-license',
      'no-empty-servers',
      'rule/operation-id-camel-case',
    ]);
    expect(result.totals.errors).toBe(3);
  });
});
