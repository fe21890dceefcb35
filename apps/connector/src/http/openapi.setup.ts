import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, type SchemaObject, SwaggerModule } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from '#config';
import { MANAGEMENT_BEARER, MANAGEMENT_ERROR_CODES } from '#management';
import { AUDIT_API_TAG, AUDIT_BEARER } from '#audit-api';
import { GENERIC_PROBLEM_CODES, PROBLEM_TYPE_BASE } from './problem-details.js';

export const OPENAPI_UI_PATH = 'api/docs';

const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** The one schema of every error of the JSON APIs (see problem-details.ts, which builds the bodies). */
const PROBLEM_DETAILS_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'RFC 9457 problem details, sent as `application/problem+json`. Clients branch on `code` (or `type`, ' +
    'made of it); `detail` is for people and may be reworded.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      description: `\`${PROBLEM_TYPE_BASE}\` followed by \`code\` in kebab case; an identifier, not a page.`,
      example: `${PROBLEM_TYPE_BASE}user-not-found`,
    },
    title: {
      type: 'string',
      description: 'The same for every occurrence of `code`.',
      example: 'User not found',
    },
    status: { type: 'integer', description: 'The HTTP status code.', example: 404 },
    detail: {
      type: 'string',
      description: 'What went wrong, for people.',
      example: 'User 0a21f0f2-0000-4000-8000-000000000001 does not exist in this organization.',
    },
    code: {
      type: 'string',
      enum: [...MANAGEMENT_ERROR_CODES, ...GENERIC_PROBLEM_CODES],
      description:
        "Stable. The management API's own codes; errors without one (the audit API's, unknown routes, " +
        'bodies that are not JSON, the database away) carry the name of their status, e.g. `NOT_FOUND`.',
      example: 'USER_NOT_FOUND',
    },
    field: {
      type: 'string',
      description: 'The request field at fault, when there is one, e.g. `userName` or `principal.id`.',
    },
    requestId: { type: 'string', description: 'Also sent as the X-Request-Id header; quote it to support.' },
  },
};

/**
 * Every 4xx and 5xx response of the JSON APIs is a problem: described here once rather than by each
 * `@Api...Response`, which then only says when it happens (and which codes).
 */
function describeProblems(document: OpenAPIObject): void {
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ProblemDetails: PROBLEM_DETAILS_SCHEMA },
  };
  const content = { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDetails' } } };
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        if (response && Number(status) >= 400 && !('$ref' in response)) response.content = content;
      }
    }
  }
}

/** Tags in the order the UI lists them, each with what its operations are for. */
const TAGS: readonly (readonly [name: string, description: string])[] = [
  [AUDIT_API_TAG, 'What Entra sent, what the connector did, and why it failed. Read-only.'],
  [
    'management: users',
    'Users of the organization: manual ones are managed here; synchronized ones (provisioned by Entra ID) are read-only.',
  ],
  [
    'management: groups',
    'Groups and their members: manual groups are managed here, synchronized ones only read.',
  ],
  [
    'management: projects',
    'Code-signing projects, their members and the Configurator permissions granted on them.',
  ],
  [
    'management: signing policies',
    "A project's signing policies and the Submitter and Approver permissions granted on them.",
  ],
  ['management: tokens', "The organization's API tokens: issued, listed and revoked here."],
];

/** Which instance the document describes; only `publicBaseUrl` (PUBLIC_BASE_URL) matters. */
export type OpenApiOptions = Pick<AppConfig, 'publicBaseUrl'>;

/**
 * Where the operations are. PUBLIC_BASE_URL when set: the address clients are told to use (the one
 * tenant URLs are built from). Otherwise the relative `/`, which OpenAPI resolves against the address
 * the document itself was fetched from (and which is the spec's own default server): right for every
 * way this instance is reached (port-forward, service, ingress) without trusting Host or
 * X-Forwarded-* headers, the same document for every request, and accepted by Redocly (an empty
 * `servers` is not; `no-server-trailing-slash` exempts `/`). The request's own origin was the other
 * choice: behind a proxy without TRUST_PROXY it would name the proxy's internal side.
 */
function servers(options: OpenApiOptions): { url: string; description: string }[] {
  return options.publicBaseUrl
    ? [{ url: options.publicBaseUrl, description: 'This connector (PUBLIC_BASE_URL).' }]
    : [{ url: '/', description: 'This connector: the origin this document was fetched from.' }];
}

/**
 * The OpenAPI description of the JSON APIs (the audit API and the management API). SCIM is left
 * out: RFC 7644 and the discovery endpoints describe it. Needs the application's routes only, not
 * its providers: scripts/openapi-document.ts builds it from an application in preview mode, without
 * a database.
 */
export function createOpenApiDocument(app: INestApplication, options: OpenApiOptions): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Directory-sync SCIM connector')
    .setDescription(
      'JSON APIs of the connector. Authenticate with `Authorization: Bearer <token>`: a support token ' +
        "(`npm run --silent cli -- support-tokens issue --name <who>`) reads every organization's audit; " +
        "an organization administrator's API token (GlobalAdministrator or UserAdministrator) reads its own. " +
        'The management API (`/api/v1/organizations/{organizationId}/...`) takes API tokens of the ' +
        "organization's own users (`tokens issue --organization <id> --role <role>`), authorized by global role.",
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'sst_... or sct_... token' }, AUDIT_BEARER)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'sct_... API token' }, MANAGEMENT_BEARER);
  for (const [name, description] of TAGS) builder.addTag(name, description);
  for (const server of servers(options)) builder.addServer(server.url, server.description);
  // Every operation names itself with `@ApiOperation({ operationId })`, a camelCase verb and noun that
  // client generators turn into method names; the fallback, `Controller_method`, fails the lint.
  const document = SwaggerModule.createDocument(app, builder.build());
  // Only the JSON APIs: routes under /api/.
  document.paths = Object.fromEntries(
    Object.entries(document.paths).filter(([path]) => path.startsWith('/api/')),
  );
  // package.json says `"license": "UNLICENSED"` (npm's word for: not offered under any license):
  // proprietary. Set here rather than with setLicense, which always adds a `url`.
  document.info.license = { name: 'Proprietary' };
  describeProblems(document);
  return document;
}

/** Serves the document as a UI at /api/docs, as JSON at /api/docs-json and as YAML at /api/docs-yaml. */
export function setupOpenApi(app: NestFastifyApplication): void {
  const document = createOpenApiDocument(app, app.get<AppConfig>(APP_CONFIG));
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
  });
}
