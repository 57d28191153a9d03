/**
 * Reading series: which datapoints count (coverage), the level a signal sustained, and the small
 * numeric helpers every tier's assessment shares (headroom, rounding).
 */

/** One query's datapoints, oldest first. */
export interface MetricSeries {
  readonly id: string;
  /** Epoch milliseconds, ascending, parallel to `values`. */
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
  /** CloudWatch's StatusCode of the last page: Complete, PartialData, InternalError or Forbidden. */
  readonly status: string;
  readonly messages?: readonly string[];
}

export type SeriesById = Readonly<Record<string, MetricSeries>>;

/** Share of the window's datapoints a series needs (missing minutes are common at the window's edge). */
export const MIN_COVERAGE = 0.5;
/** A floor for short windows: fewer datapoints than this never make a trend. */
export const MIN_DATAPOINTS = 5;
/**
 * Share of the window a signal must hold a level (or the service its maximum) to count: a quarter,
 * 15 of 60 minutes. Both the sustained level and the at-maximum rule use it ({@link sustainedCount}).
 */
export const SUSTAINED_SHARE = 0.25;

export interface DataQuality {
  /** Every required series had enough datapoints. */
  readonly complete: boolean;
  /** One-minute datapoints a full window holds. */
  readonly expectedDatapoints: number;
  /** Datapoints a series needs to count. */
  readonly minDatapoints: number;
  /** Required series without enough data (blocks HEALTHY and OVER_PROVISIONED). */
  readonly missing: string[];
  /** Series CloudWatch returned incompletely (PartialData, InternalError, Forbidden). */
  readonly partial: string[];
  /** Optional series that had no data, and why that is expected. */
  readonly notes: string[];
}

/** A series with its usable datapoints and whether there are enough of them. */
export interface Signal {
  readonly name: string;
  readonly timestamps: number[];
  readonly values: number[];
  readonly enough: boolean;
}

export class SeriesReader {
  readonly expected: number;
  readonly minDatapoints: number;
  private readonly missing: string[] = [];
  private readonly partial: string[] = [];
  private readonly notes: string[] = [];

  constructor(
    private readonly series: SeriesById,
    windowMinutes: number,
  ) {
    this.expected = windowMinutes;
    this.minDatapoints = Math.max(MIN_DATAPOINTS, Math.ceil(windowMinutes * MIN_COVERAGE));
  }

  /**
   * A series that a verdict of HEALTHY depends on: without enough datapoints it is reported in
   * `dataQuality.missing`.
   */
  required(id: string, name: string): Signal {
    const s = this.read(id, name);
    if (!s.enough) this.missing.push(`${name} (${s.values.length} of ${this.expected} datapoints)`);
    return s;
  }

  /** A series whose absence is expected in some situations; `why` explains it in `dataQuality.notes`. */
  optional(id: string, name: string, why?: string): Signal {
    const s = this.read(id, name);
    if (!s.enough && why) this.notes.push(`${name}: no data (${why})`);
    return s;
  }

  /** A count published only when non-zero: every datapoint counts, missing minutes are zero. */
  count(id: string, name: string): Signal {
    return this.read(id, name);
  }

  /** Record a required signal as missing when no single series stands for it. */
  markMissing(text: string): void {
    this.missing.push(text);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  quality(): DataQuality {
    return {
      complete: this.missing.length === 0,
      expectedDatapoints: this.expected,
      minDatapoints: this.minDatapoints,
      missing: [...this.missing],
      partial: [...this.partial],
      notes: [...this.notes],
    };
  }

  private read(id: string, name: string): Signal {
    const s = this.series[id];
    const timestamps: number[] = [];
    const values: number[] = [];
    if (s) {
      s.values.forEach((v, i) => {
        if (Number.isFinite(v)) {
          values.push(v);
          timestamps.push(s.timestamps[i]);
        }
      });
      if (s.status && s.status !== 'Complete') {
        this.partial.push(`${name}: ${s.status}${s.messages?.length ? ` (${s.messages.join('; ')})` : ''}`);
      }
    }
    return { name, timestamps, values, enough: values.length >= this.minDatapoints };
  }
}

/**
 * The level the signal held or exceeded for at least a quarter of its datapoints (15 of 60): the
 * ceil(n / 4)-th largest value. The at-maximum rule counts the same way ({@link sustainedCount}).
 */
export function sustainedLevel(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length - sustainedCount(values.length)];
}
/** Datapoints of `n` that make "a quarter of the window": ceil(n x SUSTAINED_SHARE), at least 1. */
export function sustainedCount(n: number): number {
  return Math.max(1, Math.ceil(n * SUSTAINED_SHARE - 1e-9));
}
export const sustained = (s: Signal): number => sustainedLevel(s.values);
export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
export const mean = (values: readonly number[]): number =>
  values.length ? sum(values) / values.length : NaN;

/** Combine two series minute by minute (only minutes both have). */
export function combine(a: Signal, b: Signal, f: (x: number, y: number) => number | undefined): number[] {
  const byTime = new Map<number, number>();
  a.timestamps.forEach((ts, i) => byTime.set(ts, a.values[i]));
  const out: number[] = [];
  b.timestamps.forEach((ts, i) => {
    const x = byTime.get(ts);
    if (x === undefined) return;
    const v = f(x, b.values[i]);
    if (v !== undefined && Number.isFinite(v)) out.push(v);
  });
  return out;
}

/** Headroom of a value against a "higher is worse" line, in percent of the line, clamped 0-100. */
export function headroom(value: number, line: number): number {
  if (!Number.isFinite(value)) return NaN;
  if (line <= 0) return value > 0 ? 0 : 100;
  return clamp(100 * (1 - value / line));
}

function clamp(v: number): number {
  return Math.round(Math.min(100, Math.max(0, v)) * 10) / 10;
}

export const minOf = (values: number[]): number | undefined => {
  const finite = values.filter(Number.isFinite);
  return finite.length ? Math.min(...finite) : undefined;
};

export const pct = (v: number): string => `${round(v)}%`;
export const round = (v: number, digits = 1): string => {
  const f = 10 ** digits;
  return String(Math.round(v * f) / f);
};
export const withHeadroom = (h: number | undefined): { headroomPercent?: number } =>
  h === undefined ? {} : { headroomPercent: h };
