import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

/**
 * Nest's own start-up chatter (a line per module and per route) is debug material: at `info` an
 * operator should see requests and problems, not the wiring.
 */
const NEST_WIRING_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** How Nest's ConsoleLogger tells a stack from a context in `error(message, stackOrContext)`. */
const STACK = /^(.)+\n\s+at .+:\d+:\d+/;

function isStack(value: unknown): value is string {
  return typeof value === 'string' && STACK.test(value);
}

interface Parsed {
  context: string | undefined;
  stack: string | undefined;
  extra: unknown[];
}

/**
 * Nest's `Logger` appends its context as the last string argument, and `error` may carry a stack
 * before it (`error(message, stack, context)`); the rules are ConsoleLogger's, so a call prints
 * the same fields whichever logger is installed.
 */
function parse(parameters: unknown[], mayCarryStack: boolean): Parsed {
  if (mayCarryStack && parameters.length === 1) {
    const [only] = parameters;
    if (only === undefined) return { context: undefined, stack: undefined, extra: [] };
    return isStack(only)
      ? { context: undefined, stack: only, extra: [] }
      : typeof only === 'string'
        ? { context: only, stack: undefined, extra: [] }
        : { context: undefined, stack: undefined, extra: [only] };
  }
  const rest = [...parameters];
  const last = rest.at(-1);
  const context = rest.length > 0 && typeof last === 'string' ? (rest.pop() as string) : undefined;
  let stack: string | undefined;
  if (mayCarryStack && rest.length > 0) {
    const candidate = rest.at(-1);
    if (candidate === undefined || typeof candidate === 'string') {
      rest.pop();
      stack = candidate;
    }
  }
  return { context, stack, extra: rest };
}

/**
 * Nest's LoggerService over the process's pino logger, so `new Logger('Context')` anywhere in the
 * libraries writes the same JSON lines as Fastify's request lines, with a `context` field.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...parameters: unknown[]): void {
    this.write('info', message, parameters, false);
  }

  error(message: unknown, ...parameters: unknown[]): void {
    this.write('error', message, parameters, true);
  }

  warn(message: unknown, ...parameters: unknown[]): void {
    this.write('warn', message, parameters, false);
  }

  debug(message: unknown, ...parameters: unknown[]): void {
    this.write('debug', message, parameters, false);
  }

  verbose(message: unknown, ...parameters: unknown[]): void {
    this.write('trace', message, parameters, false);
  }

  fatal(message: unknown, ...parameters: unknown[]): void {
    this.write('fatal', message, parameters, true);
  }

  private write(level: Level, message: unknown, parameters: unknown[], mayCarryStack: boolean): void {
    const { context, stack, extra } = parse(parameters, mayCarryStack);
    const effective = level === 'info' && context && NEST_WIRING_CONTEXTS.has(context) ? 'debug' : level;
    if (!this.logger.isLevelEnabled(effective)) return;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    let text: string;
    if (message instanceof Error) {
      fields.err = message;
      text = message.message;
    } else if (typeof message === 'object' && message !== null) {
      fields.data = message;
      text = context ?? 'details';
    } else {
      text = String(message);
    }
    if (stack && fields.err === undefined) fields.err = { stack };
    if (extra.length > 0) fields.details = extra;
    this.logger[effective](fields, text);
  }
}
