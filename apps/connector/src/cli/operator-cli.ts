import { parseArgs } from 'node:util';
import { COMMANDS, COMMON_FLAGS, GROUPS, UsageError, type CommandSpec, type FlagSpec } from './commands.js';
import { packageVersion } from './version.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit codes: 0 done, 1 the command failed (unknown id, bad configuration, database away), 2 unknown command or bad arguments. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** The name of the installed binary (package.json `bin`); `npm run --silent cli --` from a checkout. */
export const PROGRAM = 'scim-connector';

const flagLabel = (name: string, flag: FlagSpec): string => `--${name}${flag.value ? ` ${flag.value}` : ''}`;

function usageLine(command: CommandSpec): string {
  const flags = Object.entries(command.flags).map(([name, flag]) =>
    flag.required ? flagLabel(name, flag) : `[${flagLabel(name, flag)}]`,
  );
  return [PROGRAM, command.name, ...flags, '[--json]'].join(' ');
}

function columns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}

function commandHelp(command: CommandSpec): string {
  const flags = Object.entries({ ...command.flags, ...COMMON_FLAGS }).map(
    ([name, flag]) =>
      [
        name === 'help' ? '-h, --help' : flagLabel(name, flag),
        `${flag.required ? '(required) ' : ''}${flag.description}`,
      ] as const,
  );
  return [
    `Usage: ${usageLine(command)}`,
    '',
    command.summary,
    ...(command.details ? [command.details] : []),
    '',
    'Flags:',
    columns(flags),
    '',
  ].join('\n');
}

function commandList(commands: readonly CommandSpec[]): string {
  return columns(commands.map((command) => [command.name, command.summary] as const));
}

function groupHelp(group: string): string {
  return [
    `Usage: ${PROGRAM} ${group} <command> [flags]`,
    '',
    GROUPS[group] ?? '',
    '',
    'Commands:',
    commandList(COMMANDS.filter((command) => command.name.startsWith(`${group} `))),
    '',
    `Run "${PROGRAM} ${group} <command> --help" for a command's flags.`,
    '',
  ].join('\n');
}

function mainHelp(): string {
  return [
    `${PROGRAM} ${packageVersion()}: the SCIM connector's operator command line.`,
    '',
    `Usage: ${PROGRAM} <command> [flags]`,
    '   or: npm run --silent cli -- <command> [flags]   (from a checkout; builds first when stale)',
    '',
    'Commands:',
    commandList(COMMANDS),
    '',
    'Flags of every command: --json (one JSON object on stdout), -h/--help.',
    `  ${PROGRAM} --version   prints the version.`,
    '',
    'It uses DATABASE_URL, or the embedded server of EMBEDDED_POSTGRES_DIR when unset.',
    'Exit codes: 0 done, 1 the command failed, 2 unknown command or bad arguments.',
    `Run "${PROGRAM} <command> --help" for a command's flags.`,
    '',
  ].join('\n');
}

/** Levenshtein distance, for "did you mean" on a typo. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const ranked = candidates
    .map((candidate) => ({ candidate, d: distance(word, candidate) }))
    .sort((x, y) => x.d - y.d)[0];
  return ranked && ranked.d <= Math.max(2, Math.floor(word.length / 3)) ? ranked.candidate : undefined;
}

const HINT = `run "${PROGRAM} --help" for the commands`;

type Resolved =
  | { kind: 'output'; text: string }
  | { kind: 'command'; command: CommandSpec; values: Record<string, string | boolean | undefined> };

function parseFlags(command: CommandSpec, rest: string[]): Record<string, string | boolean | undefined> {
  const options = Object.fromEntries(
    Object.entries({ ...command.flags, ...COMMON_FLAGS }).map(([name, flag]) => [
      name,
      name === 'help' ? { type: flag.type, short: 'h' } : { type: flag.type },
    ]),
  );
  const see = `see "${PROGRAM} ${command.name} --help"`;
  try {
    return parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(message)?.[1] ?? '';
      const suggestion = closest(option.replace(/^-+/, ''), Object.keys(command.flags));
      throw new UsageError(
        `${command.name}: Unknown option '${option}'${suggestion ? ` (did you mean --${suggestion}?)` : ''}; ${see}`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(
        `${command.name}: unexpected argument ${/'[^']*'/.exec(message)?.[0] ?? ''}; ${see}`,
      );
    }
    throw new UsageError(`${command.name}: ${message.split('. ')[0]}; ${see}`);
  }
}

/** What argv asks for: a help text, the version, or a command with its parsed flags. */
function resolve(argv: string[]): Resolved {
  const wantsHelp = argv.includes('--help') || argv.includes('-h') || argv[0] === 'help';
  // The command is the leading words; flags follow it.
  const afterHelp = argv[0] === 'help' ? argv.slice(1) : argv;
  const firstFlag = afterHelp.findIndex((arg) => arg.startsWith('-'));
  const words = firstFlag === -1 ? afterHelp : afterHelp.slice(0, firstFlag);
  if (argv.length === 0) throw new UsageError(`no command given; ${HINT}`);
  if (argv[0] === '--version' || argv[0] === '-V') return { kind: 'output', text: `${packageVersion()}\n` };
  const [first = '', second = ''] = words;
  const command =
    COMMANDS.find((c) => c.name === `${first} ${second}`) ?? COMMANDS.find((c) => c.name === first);
  if (command) {
    if (wantsHelp) return { kind: 'output', text: commandHelp(command) };
    const rest = afterHelp.slice(command.name.split(' ').length);
    const values = parseFlags(command, rest);
    const missing = Object.entries(command.flags).filter(
      ([name, flag]) => flag.required && (typeof values[name] !== 'string' || values[name] === ''),
    );
    if (missing.length) {
      throw new UsageError(
        `${command.name}: ${missing.map(([name]) => `--${name}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} required; usage: ${usageLine(command)}`,
      );
    }
    return { kind: 'command', command, values };
  }
  if (wantsHelp && words.length === 0) return { kind: 'output', text: mainHelp() };
  if (Object.hasOwn(GROUPS, first)) {
    if (wantsHelp && words.length === 1) return { kind: 'output', text: groupHelp(first) };
    const subcommands = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map(
      (c) => c.name.split(' ')[1]!,
    );
    if (!second) {
      throw new UsageError(
        `${first}: which one? ${subcommands.join(', ')}; see "${PROGRAM} ${first} --help"`,
      );
    }
    const suggestion = closest(second, subcommands);
    throw new UsageError(
      `unknown command "${first} ${second}"${suggestion ? ` (did you mean "${first} ${suggestion}"?)` : ''}; ${first} commands: ${subcommands.join(', ')}`,
    );
  }
  if (argv[0]?.startsWith('-') && words.length === 0) {
    throw new UsageError(`unknown option '${argv[0]}' before any command; ${HINT}`);
  }
  const suggestion = closest(first, [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]!))]);
  throw new UsageError(
    `unknown command "${words.join(' ')}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; ${HINT}`,
  );
}

/** Runs one operator command; never throws, returns the process exit code. */
export async function runCli(
  argv: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const json = argv.includes('--json');
  const fail = (code: number, message: string): number => {
    io.stderr(`error: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: message, exitCode: code })}\n`);
    return code;
  };
  let resolved: Resolved;
  try {
    resolved = resolve(argv);
  } catch (error) {
    if (error instanceof UsageError) return fail(EXIT_USAGE, error.message);
    throw error;
  }
  if (resolved.kind === 'output') {
    io.stdout(resolved.text);
    return EXIT_OK;
  }
  const { command, values } = resolved;
  const lib = await import('./nest-context.js');
  let cli: Awaited<ReturnType<typeof lib.openCliApplication>> | undefined;
  try {
    cli = await lib.openCliApplication(env);
    const opened = cli;
    const result = await opened.run(() => command.run({ values, lib, cli: opened, progress: io.stderr }));
    io.stdout(json ? `${JSON.stringify(result.json)}\n` : `${result.text}\n`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) return fail(EXIT_USAGE, error.message);
    const { usage, message } = lib.describeFailure(error);
    return fail(usage ? EXIT_USAGE : EXIT_FAILED, message);
  } finally {
    await cli?.close();
  }
}
