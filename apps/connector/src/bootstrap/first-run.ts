import type { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { ClsService } from 'nestjs-cls';
import type { DataSource } from 'typeorm';
import { ApiTokensService } from '#auth';
import { OrganizationsService } from '#organizations';
import { withMigrationLock } from '#persistence';

export interface FirstRunResult {
  organizationId: string;
  organizationName: string;
  token: string;
  tokenId: string;
}

export const DEMO_ORGANIZATION = { name: 'Demo organization', ssoIdentifier: 'demo' };

/**
 * On an empty database, creates a demo organization and a Directory Synchronizer token so a
 * newcomer can point Entra (or curl) at the connector at once. Runs under the migration lock, so
 * replicas starting together create it once; returns undefined when the database was not empty.
 */
export async function bootstrapFirstRun(app: INestApplicationContext): Promise<FirstRunResult | undefined> {
  const dataSource = app.get<DataSource>(getDataSourceToken());
  const organizations = app.get(OrganizationsService);
  const tokens = app.get(ApiTokensService);
  return withMigrationLock(dataSource, () =>
    app.get(ClsService).run(async () => {
      if ((await organizations.count()) > 0) return undefined;
      const organization = await organizations.create(
        DEMO_ORGANIZATION.name,
        DEMO_ORGANIZATION.ssoIdentifier,
      );
      const issued = await tokens.issue(organization.id, 'DirectorySynchronizer', 'entra-provisioning');
      return {
        organizationId: organization.id,
        organizationName: organization.name,
        token: issued.token,
        tokenId: issued.tokenId,
      };
    }),
  );
}
