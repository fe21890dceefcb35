import { Logger as NestLogger } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type LogLevel, usesPrettyFormat } from './logger.js';
import { NestPinoLogger } from './nest-logger.js';

function captured(level: LogLevel = 'trace') {
  const lines: string[] = [];
  const logger = createLogger({ level, format: 'json', destination: { write: (line) => lines.push(line) } });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), lines };
}

describe('the process logger', () => {
  it('writes one JSON object per line with a level label, an ISO time and msg', () => {
    const { logger, entries } = captured();
    logger.warn({ reqId: 'r1' }, 'careful');
    expect(entries()).toEqual([
      {
        level: 'warn',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        pid: process.pid,
        hostname: expect.any(String),
        reqId: 'r1',
        msg: 'careful',
      },
    ]);
  });

  it('redacts authorization, cookies and password/token/secret keys up to two levels down', () => {
    const { logger, lines } = captured();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer sct_abc_Secret1', cookie: 'session=Secret2' } },
        password: 'Secret3',
        body: { password: 'Secret4', passwordProfile: { password: 'Secret5' }, token: 'Secret6' },
        secret: 'Secret7',
        tokenId: 'kept',
      },
      'request',
    );
    expect(lines.join('')).not.toMatch(/Secret\d/);
    expect(lines.join('')).toContain('"tokenId":"kept"');
    expect(lines.join('')).toContain('[redacted]');
  });

  it('logs errors without their enumerable extras (a query failure carries its parameters)', () => {
    const { logger, entries } = captured();
    const error = Object.assign(new Error('duplicate key'), { code: '23505', parameters: ['Secret8'] });
    logger.error({ err: error }, 'failed');
    const [entry] = entries();
    expect(entry?.err).toEqual({
      type: 'Error',
      message: 'duplicate key',
      code: '23505',
      stack: error.stack,
    });
  });

  it('writes readable lines in the pretty format, redacted all the same', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      format: 'pretty',
      destination: { write: (line: string) => lines.push(line) },
    });
    logger.info(
      { method: 'GET', url: '/scim/o/Users', status: 200, durationMs: 3.2, password: 'Secret9' },
      'request completed',
    );
    logger.warn({ context: 'AuditTrail' }, 'odd');
    const text = lines.join('');
    expect(text).toMatch(/INFO.*GET \/scim\/o\/Users 200 3\.2ms/);
    expect(text).toMatch(/WARN.*\[AuditTrail\] odd/);
    expect(text).not.toContain('Secret9');
  });

  it('is pretty on a terminal or when asked, JSON otherwise', () => {
    expect(usesPrettyFormat('auto', true)).toBe(true);
    expect(usesPrettyFormat('auto', false)).toBe(false);
    expect(usesPrettyFormat('auto', undefined)).toBe(false);
    expect(usesPrettyFormat('json', true)).toBe(false);
    expect(usesPrettyFormat('pretty', false)).toBe(true);
  });
});

describe('NestPinoLogger', () => {
  afterEach(() => NestLogger.overrideLogger(false));

  it("turns Nest's Logger calls into the same lines, with the context as a field", () => {
    const { logger, entries } = captured();
    NestLogger.overrideLogger(new NestPinoLogger(logger));
    const nest = new NestLogger('SyncAudit');
    const stack = new Error('boom').stack!;
    nest.log('hello');
    nest.warn('look out');
    nest.error('could not write');
    nest.error('could not write', stack);
    nest.debug('details');
    nest.verbose('chatter');
    nest.fatal('gone');
    new NestLogger('RouterExplorer').log('Mapped {/x, GET} route');
    NestLogger.error('static', 'Elsewhere');
    expect(entries().map(({ level, context, msg, err }) => ({ level, context, msg, err }))).toEqual([
      { level: 'info', context: 'SyncAudit', msg: 'hello', err: undefined },
      { level: 'warn', context: 'SyncAudit', msg: 'look out', err: undefined },
      { level: 'error', context: 'SyncAudit', msg: 'could not write', err: undefined },
      { level: 'error', context: 'SyncAudit', msg: 'could not write', err: { stack } },
      { level: 'debug', context: 'SyncAudit', msg: 'details', err: undefined },
      { level: 'trace', context: 'SyncAudit', msg: 'chatter', err: undefined },
      { level: 'fatal', context: 'SyncAudit', msg: 'gone', err: undefined },
      // Nest's wiring is debug material.
      { level: 'debug', context: 'RouterExplorer', msg: 'Mapped {/x, GET} route', err: undefined },
      { level: 'error', context: 'Elsewhere', msg: 'static', err: undefined },
    ]);
  });

  it('honours the level and logs Error messages with their error', () => {
    const { logger, entries } = captured('info');
    const nest = new NestPinoLogger(logger);
    nest.debug('hidden', 'Ctx');
    nest.log('Mapped {/x, GET} route', 'RouterExplorer');
    const error = new TypeError('bad input');
    nest.error(error, undefined, 'ExceptionsHandler');
    expect(entries()).toHaveLength(1);
    expect(entries()[0]).toMatchObject({
      level: 'error',
      context: 'ExceptionsHandler',
      msg: 'bad input',
      err: { type: 'TypeError', message: 'bad input' },
    });
  });
});
