import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { MANAGEMENT_BEARER } from '#management';
import { AUDIT_API_TAG, AUDIT_BEARER } from '#audit-api';

export const OPENAPI_UI_PATH = 'api/docs';

/**
 * The OpenAPI description of the JSON APIs (the audit API and the management API),
 * served as a UI at /api/docs and as JSON at /api/docs-json. SCIM is left out: RFC 7644 and the
 * discovery endpoints describe it.
 */
export function setupOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Directory-sync SCIM connector')
    .setDescription(
      'JSON APIs of the connector. Authenticate with `Authorization: Bearer <token>`: a support token ' +
        "(`npm run --silent cli -- support-tokens issue --name <who>`) reads every organization's audit; " +
        "an organization administrator's API token (GlobalAdministrator or UserAdministrator) reads its own. " +
        'The management API (`/api/v1/organizations/{organizationId}/...`) takes API tokens of the ' +
        "organization's own users (`tokens issue --organization <id> --role <role>`), authorized by global role.",
    )
    .setVersion('1')
    .addTag(AUDIT_API_TAG, 'What Entra sent, what the connector did, and why it failed.')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'sst_... or sct_... token' }, AUDIT_BEARER)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'sct_... API token' }, MANAGEMENT_BEARER)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Only the JSON APIs: routes under /api/.
  document.paths = Object.fromEntries(
    Object.entries(document.paths).filter(([path]) => path.startsWith('/api/')),
  );
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
  });
}
