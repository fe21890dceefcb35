import { Module } from '@nestjs/common';
import { EffectivePermissionsRepository } from './effective-permissions.repository.js';
import { PermissionsRepository } from './permissions.repository.js';
import { ProjectsRepository } from './projects.repository.js';

/**
 * Projects, signing policies, the permissions granted on them, and their resolution through
 * groups. Storage and queries only: the management API decides who may change what.
 */
@Module({
  providers: [ProjectsRepository, PermissionsRepository, EffectivePermissionsRepository],
  exports: [ProjectsRepository, PermissionsRepository, EffectivePermissionsRepository],
})
export class ProjectsModule {}
