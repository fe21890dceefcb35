import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/src/auth.module.js';
import { DryRunInterceptor } from './dry-run.interceptor.js';
import { ServiceProviderConfigController } from './service-provider-config.controller.js';

@Module({
  imports: [AuthModule],
  controllers: [ServiceProviderConfigController],
  providers: [DryRunInterceptor],
  exports: [AuthModule, DryRunInterceptor],
})
export class ScimModule {}
