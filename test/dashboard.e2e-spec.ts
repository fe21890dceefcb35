import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseExposition } from './support/metrics-text.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: identifiers left once strings, label matchers,
 * ranges, grouping clauses and function calls are taken out. Grafana's `$variables` go with the
 * matchers and ranges they stand in.
 */
function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\boffset\s+\S+/gi, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (call || PROMQL_KEYWORDS.has(name!.toLowerCase())) continue;
    names.add(name!);
  }
  return [...names];
}

/** A histogram's series name its family: `x_bucket`, `x_sum` and `x_count` are `x`'s. */
function familyOf(name: string, exposed: Map<string, string>): string {
  if (exposed.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return exposed.get(base) === 'histogram' || exposed.get(base) === 'summary' ? base : name;
}

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(
    readFileSync(new URL('../deploy/grafana/scim-connector.dashboard.json', import.meta.url), 'utf8'),
  ) as {
    panels: { targets?: { expr: string }[] }[];
    templating: { list: { query?: unknown }[] };
  };
  const targets = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  // A variable's `label_values(metric, label)` names its metric first.
  const variables = dashboard.templating.list.flatMap((variable) => {
    const query = variable.query as { query?: unknown } | string | undefined;
    const text = typeof query === 'object' ? query.query : query;
    const labelValues = typeof text === 'string' ? /^label_values\(\s*([^,)]+)/.exec(text) : null;
    return labelValues ? [labelValues[1]!] : [];
  });
  return [...targets, ...variables];
}

function alertExpressions(): string[] {
  const rules = parse(readFileSync(new URL('../deploy/prometheus/alerts.yaml', import.meta.url), 'utf8')) as {
    groups: { rules: { expr: string }[] }[];
  };
  return rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
}

describe('dashboard and alert expressions name only metrics the server exposes', () => {
  let t: TestApp;
  let exposed: Map<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ managementPort: true });
    const response = await t.management().get('/metrics');
    expect(response.status).toBe(200);
    exposed = parseExposition(response.text).types;
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads metric names out of PromQL', () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.99, sum by (job, le) (rate(x_seconds_bucket{job=~"$job",a="b{c}"}[$__rate_interval]))) > 2',
      ),
    ).toEqual(['x_seconds_bucket']);
    expect(metricNamesOf('a_total / on (instance) group_left b and bool c offset 5m > 0.1')).toEqual([
      'a_total',
      'b',
      'c',
    ]);
    expect(metricNamesOf('up == 0')).toEqual(['up']);
  });

  it.each([
    ['the Grafana dashboard', dashboardExpressions],
    ['the alert rules', alertExpressions],
  ])('%s', (_what, expressions) => {
    const all = expressions();
    expect(all.length).toBeGreaterThan(5);
    const names = new Set(all.flatMap(metricNamesOf));
    expect(names.size).toBeGreaterThan(3);
    const missing = [...names].filter((name) => !exposed.has(familyOf(name, exposed)));
    expect(missing).toEqual([]);
  });
});
