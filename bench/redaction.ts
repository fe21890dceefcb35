import { maskSecrets, storableJson, storableUnparsedBody } from '#audit-log';
import { createUserBody } from './entra.js';
import { median } from './stats.js';

const PRIVATE_KEY_HEADER = '-----BEGIN PRIVATE KEY-----';

/**
 * What a caller could send to make a backtracking pattern take forever (the inputs of the unit test
 * audit.redaction.spec.ts), `scale` times as long: about 3.4 million characters at scale 1.
 */
export function hostileInputs(scale: number): string[] {
  return [
    'x'.repeat(1_000_000 * scale),
    `${'a.'.repeat(200_000 * scale)} eq`,
    'eyJ'.repeat(100_000 * scale),
    PRIVATE_KEY_HEADER.repeat(20_000 * scale),
    `"${'p'.repeat(200_000 * scale)}`,
    ' '.repeat(500_000 * scale),
  ];
}

/** Ordinary text of the same lengths: Entra's create body, over and over. */
function ordinaryInputs(like: readonly string[]): string[] {
  const body = createUserBody('Adele Vance', 'acme:0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
  return like.map((text) => body.repeat(Math.ceil(text.length / body.length)).slice(0, text.length));
}

let sink = 0;

/** What the recorder does with a body it stores: mask free text, store it unparsed and as JSON. */
function redactAll(inputs: readonly string[]): number {
  const started = performance.now();
  for (const text of inputs) {
    sink += maskSecrets(text).length;
    sink += storableUnparsedBody(text).length;
    sink += storableJson({ text }).length;
  }
  return performance.now() - started;
}

export interface RedactionResult {
  /** Characters of the hostile inputs at scale 1. */
  characters: number;
  repetitions: number;
  /** Medians, in ms: hostile inputs, ordinary text of the same size, hostile inputs 4 times as long. */
  hostileMs: number;
  ordinaryMs: number;
  hostile4xMs: number;
  /** hostileMs / ordinaryMs: what hostile text costs over ordinary text of the same size. */
  overOrdinary: number;
  /** hostile4xMs / hostileMs: 4 for linear time, 16 for quadratic. */
  growthFor4x: number;
}

/**
 * Times the audit redaction (in this process) on hostile inputs against its own baselines measured
 * in the same run: ordinary text of the same size, and the same inputs 4 times as long. Median of
 * `repetitions`, after one warm-up pass of each.
 */
export function measureRedaction(repetitions: number): RedactionResult {
  const hostile = hostileInputs(1);
  const ordinary = ordinaryInputs(hostile);
  const hostile4x = hostileInputs(4);
  const runs = { hostile: [] as number[], ordinary: [] as number[], hostile4x: [] as number[] };
  redactAll(hostile);
  redactAll(ordinary);
  redactAll(hostile4x);
  // Interleaved, so whatever the machine does meanwhile weighs on all three alike.
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    runs.hostile.push(redactAll(hostile));
    runs.ordinary.push(redactAll(ordinary));
    runs.hostile4x.push(redactAll(hostile4x));
  }
  if (sink === 0) throw new Error('the redaction produced nothing');
  const hostileMs = median(runs.hostile);
  const ordinaryMs = median(runs.ordinary);
  const hostile4xMs = median(runs.hostile4x);
  return {
    characters: hostile.reduce((sum, text) => sum + text.length, 0),
    repetitions,
    hostileMs,
    ordinaryMs,
    hostile4xMs,
    overOrdinary: hostileMs / ordinaryMs,
    growthFor4x: hostile4xMs / hostileMs,
  };
}
