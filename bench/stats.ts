/** Latencies of one measured run, in ms, kept compactly. */
export class LatencyRecorder {
  private values = new Float64Array(1 << 14);
  private length = 0;

  record(ms: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = ms;
  }

  get count(): number {
    return this.length;
  }

  /** The recorded values (a copy). */
  samples(): Float64Array {
    return this.values.slice(0, this.length);
  }

  static of(samples: ArrayLike<number>): LatencyRecorder {
    const recorder = new LatencyRecorder();
    for (let i = 0; i < samples.length; i += 1) recorder.record(samples[i]!);
    return recorder;
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.length).sort();
    return {
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN,
      mean: sorted.length ? sorted.reduce((sum, value) => sum + value, 0) / sorted.length : NaN,
    };
  }
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted values; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
