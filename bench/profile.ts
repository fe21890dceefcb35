import { readFile } from 'node:fs/promises';

/** The parts of V8's .cpuprofile (written by node --cpu-prof) this summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  /** Share of the sampled, non-idle time. */
  percent: number;
  ms: number;
}

export interface ProfileSummary {
  file: string;
  /** Sampled time excluding (idle), ms. */
  busyMs: number;
  /** Self time by function (name, file:line). */
  topFunctions: ProfileEntry[];
  /** Self time by where the code lives: an npm package, the connector's own modules, Node, V8. */
  selfByOrigin: ProfileEntry[];
  /** Time with at least one frame of that origin on the stack (callees included). */
  inclusiveByOrigin: ProfileEntry[];
}

/** An npm package, the connector's module (libs/<name>, apps/<name>), a node: module, or a V8 pseudo-frame. */
export function originOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return modules[1]!;
  const own = /\/dist\/((?:libs|apps)\/[^/]+)\//.exec(url);
  if (own) return `connector ${own[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/dist\//, '');
}

function top(map: Map<string, number>, total: number, limit: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({
      name,
      ms: Math.round(us / 100) / 10,
      percent: Math.round((us / total) * 1000) / 10,
    }));
}

export async function summarizeProfile(file: string, limit = 25): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfByFunction = new Map<string, number>();
  const selfByOrigin = new Map<string, number>();
  const inclusiveByOrigin = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    busy += delta;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + delta);
    const origin = originOf(url, functionName);
    selfByOrigin.set(origin, (selfByOrigin.get(origin) ?? 0) + delta);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)!.callFrame;
      if (frame.functionName === '(root)') continue;
      seen.add(originOf(frame.url, frame.functionName));
    }
    for (const each of seen) inclusiveByOrigin.set(each, (inclusiveByOrigin.get(each) ?? 0) + delta);
  });
  return {
    file,
    busyMs: Math.round(busy / 1000),
    topFunctions: top(selfByFunction, busy, limit),
    selfByOrigin: top(selfByOrigin, busy, limit),
    inclusiveByOrigin: top(inclusiveByOrigin, busy, limit),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const list = (entries: ProfileEntry[]) =>
    entries.map((entry) => `  ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`).join('\n');
  return [
    `CPU profile ${summary.file} (${summary.busyMs} ms busy)`,
    'Self time by function:',
    list(summary.topFunctions),
    'Self time by origin:',
    list(summary.selfByOrigin),
    'Inclusive time by origin (on the stack, callees included):',
    list(summary.inclusiveByOrigin),
  ].join('\n');
}
