import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Ready only once every migration this build knows of has been applied. */
@Injectable()
export class MigrationsHealthIndicator {
  /** Pending migrations only appear with a new build, so one positive answer lasts the process. */
  private allApplied = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key: string) {
    const session = this.indicator.check(key);
    if (!this.allApplied) {
      this.allApplied = !(await this.dataSource.showMigrations());
    }
    return this.allApplied ? session.up() : session.down({ message: 'migrations are pending' });
  }
}
