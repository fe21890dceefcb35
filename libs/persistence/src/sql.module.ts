import { Global, Module } from '@nestjs/common';
import { SqlExecutor } from './sql.executor.js';

@Global()
@Module({ providers: [SqlExecutor], exports: [SqlExecutor] })
export class SqlModule {}
