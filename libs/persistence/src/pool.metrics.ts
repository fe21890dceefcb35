import type { DataSource } from 'typeorm';
import type { ConnectorMetrics, PoolCounts } from '#metrics';

/**
 * node-postgres' Pool behind TypeORM's Postgres driver (`driver.master`), sampled at each scrape;
 * undefined before the data source connected (or while it never could).
 */
export function watchConnectionPool(dataSource: DataSource, metrics: ConnectorMetrics, max: number): void {
  metrics.watchPool(() => {
    const pool = (dataSource.driver as { master?: Partial<PoolCounts> }).master;
    if (!pool || typeof pool.totalCount !== 'number') return undefined;
    return {
      totalCount: pool.totalCount,
      idleCount: pool.idleCount ?? 0,
      waitingCount: pool.waitingCount ?? 0,
    };
  }, max);
}
