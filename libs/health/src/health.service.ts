import { HttpException, Injectable } from '@nestjs/common';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ConnectorMetrics } from '#metrics';
import { MigrationsHealthIndicator } from './migrations.health.js';

export interface HealthAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The probes' logic, shared by the main port's controller and the management port
 * (ManagementServer), so both answer alike: liveness never touches the database, readiness does
 * (within 1.5 seconds) and checks that every migration is applied.
 */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
    private readonly metrics: ConnectorMetrics,
  ) {}

  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Terminus' report; a failed check throws its 503 (the report is the exception's response). */
  async ready(): Promise<Awaited<ReturnType<HealthCheckService['check']>>> {
    try {
      const report = await this.health.check([
        () => this.database.pingCheck('database', { timeout: 1_500 }),
        () => this.migrations.check('migrations'),
      ]);
      this.noteReadiness(true);
      return report;
    } catch (error) {
      this.noteReadiness(false);
      throw error;
    }
  }

  /** Readiness as a status and body, for callers outside Nest's exception handling. */
  async readyAnswer(): Promise<HealthAnswer> {
    try {
      return { status: 200, body: { ...(await this.ready()) } };
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      const response = error.getResponse();
      return {
        status: error.getStatus(),
        body: typeof response === 'object' ? { ...response } : { status: 'error', message: response },
      };
    }
  }

  private noteReadiness(up: boolean): void {
    this.metrics.readiness.set(up ? 1 : 0);
    this.metrics.readinessChecks.inc({ result: up ? 'up' : 'down' });
  }
}
