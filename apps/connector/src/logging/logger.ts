import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerSettings {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Where lines go instead of stdout (tests capture them). */
  readonly destination?: DestinationStream;
}

export type { Logger } from 'pino';

/**
 * Keys whose values are secrets wherever they turn up. pino's redaction has no "any depth"
 * wildcard, so each is listed at the top and two levels down: that covers `password`,
 * `body.password` and `body.passwordProfile.password` alike.
 */
const SECRET_KEYS = ['password', 'token', 'secret', 'authorization', 'cookie', 'accessToken', 'access_token'];

export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

/**
 * Only what helps and cannot leak: TypeORM errors carry the query and its parameters (hashes,
 * user data), which pino's standard serializer would copy into the line with every own property.
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) {
    // Any other object (a thrown literal, a query's parameters, Nest's `{ stack }`): only its
    // message, code and stack, when they are strings, never the rest of what it holds.
    if (typeof error !== 'object' || error === null) return { message: String(error) };
    const kept: Record<string, unknown> = {};
    for (const key of ['message', 'code', 'stack'] as const) {
      const value = (error as Record<string, unknown>)[key];
      if (typeof value === 'string' || typeof value === 'number') kept[key] = value;
    }
    return kept;
  }
  const { code } = error as Error & { code?: unknown };
  return { type: error.name, message: error.message, code, stack: error.stack };
}

/** Fastify's own `req` serializer keeps the query string, where filters carry user data. */
function requestSerializer(request: {
  method?: string;
  url?: string;
  id?: unknown;
}): Record<string, unknown> {
  return { method: request.method, url: request.url?.split('?', 1)[0], reqId: request.id };
}

export function usesPrettyFormat(
  format: LogFormat,
  isTTY: boolean | undefined = process.stdout.isTTY,
): boolean {
  return format === 'pretty' || (format === 'auto' && isTTY === true);
}

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    // Labels ("info", "error") rather than pino's numbers: the same words Nest and operators use.
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    serializers: { err: loggableError, req: requestSerializer },
  };
}

/** At a terminal, a request reads `GET /scim/…/Users 200 3.2ms`, and a Nest line `[Context] message`. */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const message = log[messageKey];
  const text = typeof message === 'string' ? message : '';
  if (text === 'request completed' && typeof log.method === 'string' && typeof log.url === 'string') {
    return `${log.method} ${log.url} ${String(log.status)} ${String(log.durationMs)}ms`;
  }
  return typeof log.context === 'string' ? `[${log.context}] ${text}` : text;
}

/**
 * The one logger of the process: Fastify's request lines, Nest's `Logger` (through
 * NestPinoLogger) and main's start and stop messages all write through it, as JSON lines on
 * stdout, or through pino-pretty on a terminal. Both write synchronously, so the last lines
 * before `process.exit` are not lost.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options = loggerOptions(settings.level);
  const out = settings.destination ?? pino.destination({ dest: 1, sync: true });
  if (!usesPrettyFormat(settings.format)) return pino(options, out);
  // pino-pretty's formatter, called in line rather than as its stream or transport: synchronous,
  // no worker thread, and the same destination as JSON.
  const prettify = pretty.prettyFactory({
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    singleLine: true,
    messageFormat: prettyMessage,
  });
  return pino(options, { write: (line: string) => out.write(prettify(line)) });
}
