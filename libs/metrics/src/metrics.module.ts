import { Global, Module } from '@nestjs/common';
import { ConnectorMetrics } from './connector.metrics.js';

/**
 * Global: the audit log, persistence, auth and the channels inject ConnectorMetrics without each
 * importing this module. The ground libraries import it too, so contexts that do not build the
 * whole app (the operator CLI) still resolve it.
 */
@Global()
@Module({
  providers: [{ provide: ConnectorMetrics, useFactory: () => new ConnectorMetrics() }],
  exports: [ConnectorMetrics],
})
export class MetricsModule {}
