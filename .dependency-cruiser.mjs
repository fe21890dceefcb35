/**
 * The walls between libraries (docs/architecture.md). `npm run lint` runs this; a violation fails CI.
 * Layers, each importing only from the layers below it:
 *   ground   scim-protocol, config, metrics, persistence, audit-log
 *   domain   organizations, roles, users, groups, projects, auth
 *   channels scim, management, audit-api, limits, health
 *   apps     connector
 */
const GROUND = 'scim-protocol|config|metrics|persistence|audit-log';
const DOMAIN = 'organizations|roles|users|groups|projects|auth';
const CHANNELS = 'scim|management|audit-api|limits|health';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle between modules makes load order matter and hides a missing layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'library-entry-only',
      severity: 'error',
      comment: 'Import another library only through its entry (`#name`, its src/index.ts), never its files.',
      from: { path: '^(libs/([^/]+)|apps|test|bench|migrations)/' },
      to: { path: '^libs/([^/]+)/src/(?!index\\.ts$)', pathNot: ['^libs/$2/'] },
    },
    {
      name: 'ground-imports-ground-only',
      severity: 'error',
      comment: 'The ground floor knows no domain, no channel and no app.',
      from: { path: `^libs/(${GROUND})/` },
      to: { path: `^(libs/(${DOMAIN}|${CHANNELS})/|apps/)` },
    },
    {
      name: 'scim-protocol-is-pure',
      severity: 'error',
      comment:
        'SCIM protocol code (filters, PATCH paths, schemas) imports no framework and no other library.',
      from: { path: '^libs/scim-protocol/' },
      to: { dependencyTypesNot: ['local', 'core', 'type-only'], pathNot: '^libs/scim-protocol/' },
    },
    {
      name: 'scim-protocol-imports-nothing',
      severity: 'error',
      from: { path: '^libs/scim-protocol/src/(?!.*\\.spec\\.ts$)' },
      to: { path: '^libs/(?!scim-protocol/)' },
    },
    {
      name: 'audit-log-knows-only-persistence-and-config',
      severity: 'error',
      comment: 'The audit log records what the transport tells it; it knows no domain and no transport.',
      from: { path: '^libs/audit-log/' },
      to: { path: '^libs/(?!audit-log/|persistence/|config/|metrics/)' },
    },
    {
      name: 'metrics-knows-only-config',
      severity: 'error',
      comment: 'The metrics library defines metrics; the code where events happen records them.',
      from: { path: '^libs/metrics/' },
      to: { path: '^libs/(?!metrics/|config/)' },
    },
    {
      name: 'persistence-and-config-below-audit-log',
      severity: 'error',
      from: { path: '^libs/(persistence|config)/' },
      to: { path: '^libs/(audit-log|scim-protocol)/' },
    },
    {
      name: 'domain-imports-no-channel',
      severity: 'error',
      comment: 'Domain libraries hold the rules; they know neither SCIM nor HTTP channels.',
      from: { path: `^libs/(${DOMAIN})/` },
      to: { path: `^(libs/(${CHANNELS})/|apps/)` },
    },
    {
      name: 'channels-are-independent',
      severity: 'error',
      comment: 'A channel (SCIM, management API, audit API) never imports another channel.',
      from: { path: `^libs/(${CHANNELS})/` },
      to: { path: `^(libs/(${CHANNELS})/|apps/)`, pathNot: ['^libs/$1/'] },
    },
    {
      name: 'nothing-imports-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|\\.data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    reporterOptions: {
      dot: { collapsePattern: '^(libs|apps)/[^/]+' },
    },
  },
};
