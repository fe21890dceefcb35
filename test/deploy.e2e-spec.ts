import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

/**
 * The Kubernetes manifests (deploy/kubernetes) as kustomize renders them, validated offline against
 * the Kubernetes API schemas (kubernetes-models' JSON schemas) and checked for what operating the
 * connector depends on: probes on the management port, drain before SIGTERM, no root, no writable
 * image, migrations by the Job only, the database URL from a Secret, only /scim and /api published.
 */

// Rendered YAML, read untyped: the schema validation is what checks its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Untyped = any;
type Obj = Record<string, Untyped>;
type Manifest = Obj & { apiVersion: string; kind: string; metadata: Obj };

const root = fileURLToPath(new URL('..', import.meta.url));
const deployDir = `${root}deploy/kubernetes`;

/** The schema of every kind the manifests may contain; another kind fails the test (add it here). */
const models: Record<string, new (data: Untyped) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

function kustomize(dir: string): string {
  try {
    return execFileSync('kubectl', ['kustomize', `${deployDir}/${dir}`], { encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'kubectl is not installed, so deploy/kubernetes cannot be rendered: `apt-get install -y kubectl` ' +
          '(kubectl 1.32 brings kustomize; .ci/run installs it when missing).',
        { cause: error },
      );
    }
    throw error;
  }
}

function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors.map(String).join('\n'));
      return document.toJS() as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/** Every schema violation of every object, `Kind/name: message`; empty when all are valid. */
function schemaViolations(manifests: Manifest[]): string[] {
  return manifests.flatMap((manifest) => {
    const label = `${manifest.kind}/${manifest.metadata?.name as string}`;
    const Model = models[`${manifest.apiVersion}/${manifest.kind}`];
    if (!Model) return [`${label}: no schema for ${manifest.apiVersion} ${manifest.kind} in this test`];
    try {
      new Model(manifest).validate();
      return [];
    } catch (error) {
      return [`${label}: ${(error as Error).message}`];
    }
  });
}

function only(manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  expect(found.map((m) => `${m.kind}/${m.metadata.name}`)).toHaveLength(1);
  return found[0]!;
}

function podSpecs(manifests: Manifest[]): { label: string; spec: Obj }[] {
  return manifests.flatMap((m) => {
    const label = `${m.kind}/${m.metadata.name}`;
    if (m.kind === 'Deployment' || m.kind === 'Job') return [{ label, spec: m.spec.template.spec }];
    if (m.kind === 'CronJob') return [{ label, spec: m.spec.jobTemplate.spec.template.spec }];
    return [];
  });
}

function env(container: Obj, name: string): Obj | undefined {
  return (container.env as Obj[] | undefined)?.find((entry) => entry.name === name);
}

function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

// Rendered on first use inside a test, not in a hook, so a missing kubectl fails every test (with
// its message) rather than skipping them.
const renderedCache = new Map<string, Manifest[]>();
const rendered = {
  get base(): Manifest[] {
    return renderOnce('base');
  },
  get production(): Manifest[] {
    return renderOnce('overlays/production');
  },
};

function renderOnce(dir: string): Manifest[] {
  let manifests = renderedCache.get(dir);
  if (!manifests) {
    manifests = parseManifests(kustomize(dir));
    renderedCache.set(dir, manifests);
  }
  return manifests;
}

describe.each(['base', 'production'] as const)('deploy/kubernetes rendered as %s', (variant) => {
  const manifests = () => rendered[variant];

  it('renders only objects that validate against the Kubernetes schemas', () => {
    expect(
      manifests()
        .map((m) => m.kind)
        .sort(),
    ).toEqual(
      expect.arrayContaining([
        'ConfigMap',
        'CronJob',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Ingress',
        'Job',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Service',
      ]),
    );
    expect(schemaViolations(manifests())).toEqual([]);
  });

  it('labels every object with app.kubernetes.io/name and says what part each one plays', () => {
    for (const m of manifests()) {
      expect(m.metadata.labels?.['app.kubernetes.io/name'], `${m.kind}/${m.metadata.name}`).toBe(
        'scim-connector',
      );
    }
    for (const kind of [
      'Deployment',
      'Service',
      'Ingress',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
    ]) {
      expect(only(manifests(), kind).metadata.labels['app.kubernetes.io/component'], kind).toBe('server');
    }
    expect(only(manifests(), 'Job').metadata.labels['app.kubernetes.io/component']).toBe('migration');
    expect(only(manifests(), 'CronJob').metadata.labels['app.kubernetes.io/component']).toBe('audit-prune');
  });

  it('runs two replicas with probes on the management port and drains before SIGTERM', () => {
    const deployment = only(manifests(), 'Deployment');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const pod = deployment.spec.template.spec;
    const [container, ...others] = pod.containers as Obj[];
    expect(others).toEqual([]);
    expect(container!.ports).toEqual([
      { name: 'http', containerPort: 3000, protocol: 'TCP' },
      { name: 'management', containerPort: 9464, protocol: 'TCP' },
    ]);
    expect(env(container!, 'PORT')?.value).toBe('3000');
    expect(env(container!, 'MANAGEMENT_PORT')?.value).toBe('9464');
    expect(env(container!, 'HOST')?.value).toBe('0.0.0.0');

    expect(container!.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'management' });
    expect(container!.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'management' });
    expect(container!.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'management' });

    const preStop = container!.lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe('sleep');
    const preStopSeconds = Number(preStop[1]);
    expect(preStopSeconds).toBeGreaterThan(0);
    const graceMs = Number(env(container!, 'SHUTDOWN_GRACE_MS')?.value);
    expect(graceMs).toBeGreaterThan(0);
    // main.ts gives up SHUTDOWN_GRACE_MS + 5 s after SIGTERM; the kubelet must not kill it first.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopSeconds + graceMs / 1000 + 5);
  });

  it('leaves migrations to the Job, never bootstraps a demo organization, trusts the ingress hop', () => {
    const container = only(manifests(), 'Deployment').spec.template.spec.containers[0];
    expect(env(container, 'MIGRATE_ON_START')?.value).toBe('false');
    expect(env(container, 'BOOTSTRAP_DEMO_ORGANIZATION')?.value).toBe('false');
    expect(env(container, 'TRUST_PROXY')?.value).toBe('1');

    const job = only(manifests(), 'Job');
    expect(job.spec.template.spec.containers[0].command).toEqual([
      'node',
      'dist/apps/connector/src/cli.js',
      'migrate',
      '--json',
    ]);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  it('prunes the audit log from a CronJob, one run at a time', () => {
    const cronJob = only(manifests(), 'CronJob');
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
    const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0];
    expect(container.command.slice(0, 4)).toEqual([
      'node',
      'dist/apps/connector/src/cli.js',
      'audit',
      'prune',
    ]);
    const configMap = only(manifests(), 'ConfigMap');
    expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    expect(Number(configMap.data.AUDIT_RETENTION_DAYS)).toBeGreaterThan(0);
  });

  it('runs every pod as non-root on a read-only root filesystem, with requests and limits', () => {
    const pods = podSpecs(manifests());
    expect(pods.map((p) => p.label)).toHaveLength(3);
    for (const { label, spec } of pods) {
      expect(spec.securityContext.runAsNonRoot, label).toBe(true);
      expect(spec.securityContext.runAsUser, label).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken, label).toBe(false);
      const tmp = (spec.volumes as Obj[]).find((v) => v.name === 'tmp');
      expect(tmp?.emptyDir, label).toBeDefined();
      for (const container of [...(spec.initContainers ?? []), ...spec.containers] as Obj[]) {
        const where = `${label} ${container.name as string}`;
        expect(container.securityContext.readOnlyRootFilesystem, where).toBe(true);
        expect(container.securityContext.allowPrivilegeEscalation, where).toBe(false);
        expect(container.securityContext.capabilities.drop, where).toEqual(['ALL']);
        expect(container.volumeMounts, where).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
        for (const bound of ['requests', 'limits']) {
          expect(container.resources?.[bound]?.cpu, `${where} ${bound}.cpu`).toBeDefined();
          expect(container.resources?.[bound]?.memory, `${where} ${bound}.memory`).toBeDefined();
        }
        // The bounded old space must fit in the memory limit with room for everything else.
        const heap = /--max-old-space-size=(\d+)/.exec(String(env(container, 'NODE_OPTIONS')?.value));
        expect(heap, `${where} NODE_OPTIONS`).not.toBeNull();
        expect(mebibytes(container.resources.limits.memory), where).toBeGreaterThan(Number(heap![1]));
      }
    }
  });

  it('takes DATABASE_URL from a Secret in every pod and ships no Secret', () => {
    expect(manifests().filter((m) => m.kind === 'Secret')).toEqual([]);
    for (const { label, spec } of podSpecs(manifests())) {
      const databaseUrl = env(spec.containers[0], 'DATABASE_URL');
      expect(databaseUrl, label).toEqual({
        name: 'DATABASE_URL',
        valueFrom: { secretKeyRef: { name: 'scim-connector-database', key: 'DATABASE_URL' } },
      });
    }
    expect(JSON.stringify(manifests())).not.toMatch(/postgres(ql)?:\/\//);
  });

  it('serves SCIM/API and management on their own Service ports and publishes only /scim and /api', () => {
    const service = only(manifests(), 'Service');
    expect(service.spec.ports.map((p: Obj) => [p.name, p.port, p.targetPort])).toEqual([
      ['http', 3000, 'http'],
      ['management', 9464, 'management'],
    ]);
    const deployment = only(manifests(), 'Deployment');
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);

    const ingress = only(manifests(), 'Ingress');
    const paths = (ingress.spec.rules as Obj[]).flatMap((rule) => rule.http.paths);
    expect(paths.map((p: Obj) => [p.path, p.pathType])).toEqual([
      ['/scim', 'Prefix'],
      ['/api', 'Prefix'],
    ]);
    for (const path of paths) {
      expect(path.backend.service).toEqual({ name: service.metadata.name, port: { name: 'http' } });
    }
  });

  it('keeps one replica through disruptions and scales on CPU within the database connection budget', () => {
    const deployment = only(manifests(), 'Deployment');
    const pdb = only(manifests(), 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(deployment.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);

    const hpa = only(manifests(), 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBe(deployment.spec.replicas);
    expect(hpa.spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
    // PostgreSQL's default max_connections is 100, 3 of them reserved for superusers: every replica's
    // pool at the HPA's maximum, plus the migration Job and an audit prune, must fit.
    const poolSize = Number(only(manifests(), 'ConfigMap').data.DB_POOL_SIZE);
    expect(poolSize).toBeGreaterThan(0);
    // Each replica also holds one LISTEN connection (token cache notifications).
    expect(hpa.spec.maxReplicas * (poolSize + 1) + 2).toBeLessThanOrEqual(97);
  });

  it('lets in only the ingress controller (app port) and monitoring (management port); out, DNS and PostgreSQL', () => {
    const policy = only(manifests(), 'NetworkPolicy');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'scim-connector' } });
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(
      policy.spec.ingress.map((rule: Obj) => [
        rule.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
        rule.ports.map((p: Obj) => p.port),
      ]),
    ).toEqual([
      ['ingress-nginx', ['http']],
      ['monitoring', ['management']],
    ]);
    const egressPorts = policy.spec.egress.flatMap((rule: Obj) =>
      rule.ports.map((p: Obj) => `${p.port as number}/${p.protocol as string}`),
    );
    expect(egressPorts.sort()).toEqual(['53/TCP', '53/UDP', '5432/TCP']);
  });
});

describe('deploy/kubernetes production overlay', () => {
  it('puts everything in its namespace, under the restricted Pod Security profile', () => {
    const namespace = only(rendered.production, 'Namespace');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const m of rendered.production.filter((m) => m.kind !== 'Namespace')) {
      expect(m.metadata.namespace, `${m.kind}/${m.metadata.name}`).toBe(namespace.metadata.name);
    }
  });

  it('runs one pinned image in the server, the Job and the CronJob', () => {
    const images = new Set(podSpecs(rendered.production).map((p) => p.spec.containers[0].image as string));
    expect(images.size).toBe(1);
    const [image] = [...images];
    expect(image).toMatch(/^[a-z0-9.-]+\/scim-connector:\d+\.\d+\.\d+$/);
  });

  it('publishes one HTTPS host, the one PUBLIC_BASE_URL names', () => {
    const ingress = only(rendered.production, 'Ingress');
    const host = ingress.spec.rules[0].host as string;
    expect(ingress.spec.tls).toEqual([{ hosts: [host], secretName: 'scim-connector-tls' }]);
    expect(only(rendered.production, 'ConfigMap').data.PUBLIC_BASE_URL).toBe(`https://${host}`);
  });
});

describe('deploy/kubernetes/database-secret.example.yaml', () => {
  it('is a valid Secret with a placeholder the connector reads DATABASE_URL from', () => {
    const [secret, ...rest] = parseManifests(
      readFileSync(`${deployDir}/database-secret.example.yaml`, 'utf8'),
    );
    expect(rest).toEqual([]);
    expect(schemaViolations([secret!])).toEqual([]);
    expect(secret!.metadata.name).toBe('scim-connector-database');
    expect(secret!.stringData.DATABASE_URL).toContain('CHANGE-ME');
  });
});

describe('the schema validation itself', () => {
  it('rejects a field of the wrong type, so a valid verdict above means something', () => {
    const deployment = structuredClone(only(rendered.base, 'Deployment'));
    deployment.spec.replicas = 'two';
    deployment.spec.template.spec.containers[0].ports[1].containerPort = '9464';
    const violations = schemaViolations([deployment]);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain('Deployment/scim-connector');
    expect(violations[0]).toMatch(/spec\/replicas must be integer/);
    expect(violations[0]).toMatch(/containers\/0\/ports\/1\/containerPort must be integer/);
  });

  it('rejects a missing required field and a kind it has no schema for', () => {
    const ingress = structuredClone(only(rendered.base, 'Ingress'));
    delete ingress.spec.rules[0].http.paths[0].pathType;
    expect(schemaViolations([ingress])[0]).toMatch(/must have required property '?pathType'?/);
    expect(schemaViolations([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }])).toEqual([
      'Pod/x: no schema for v1 Pod in this test',
    ]);
  });
});
