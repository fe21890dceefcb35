import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { ManagementServer } from './management.server.js';
import { MigrationsHealthIndicator } from './migrations.health.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [MigrationsHealthIndicator, HealthService, ManagementServer],
  exports: [ManagementServer],
})
export class HealthModule {}
