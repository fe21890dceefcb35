import { Controller, Get } from '@nestjs/common';
import { HealthCheck } from '@nestjs/terminus';
import { HealthService } from './health.service.js';

/**
 * Kubernetes probes on the main port. The management port (ManagementServer) serves the same two
 * through HealthService; these stay for the tests and setups that probe the main port.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  live(): { status: 'ok' } {
    return this.health.live();
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.ready();
  }
}
