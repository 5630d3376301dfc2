// Parsers for flag values. Each throws commander's InvalidArgumentError with a full sentence that
// says what is allowed; commander prefixes it with the flag and the bad value.
import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = {
  m: 1 / 60,
  min: 1 / 60,
  mins: 1 / 60,
  minute: 1 / 60,
  minutes: 1 / 60,
  h: 1,
  hr: 1,
  hrs: 1,
  hour: 1,
  hours: 1,
  d: 24,
  day: 24,
  days: 24,
};

/** "90m", "2h", "1.5h", "1d", "1h30m" -> hours. */
export function parseDuration(text: string): number {
  const t = text.trim().toLowerCase();
  const re = /(\d+(?:\.\d+)?)\s*([a-z]+)/g;
  let total = 0;
  let consumed = '';
  for (const m of t.matchAll(re)) {
    const unit = Object.hasOwn(UNITS, m[2]!) ? UNITS[m[2]!] : undefined; // 'constructor' is no unit
    if (unit === undefined) throw new InvalidArgumentError(`Expected a duration such as 90m, 2h, 1.5h or 1d.`);
    total += Number(m[1]) * unit;
    consumed += m[0];
  }
  if (!consumed || consumed.replace(/\s/g, '') !== t.replace(/\s/g, ''))
    throw new InvalidArgumentError(`Expected a duration such as 90m, 2h, 1.5h or 1d.`);
  if (!(total > 0) || total > 24 * 365)
    throw new InvalidArgumentError(`Expected a duration between 1 minute and a year, such as 90m, 2h, 1.5h or 1d.`);
  return total;
}

export function parseVram(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(gib|gb|g)?\s*$/i.exec(text);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!m || !(n > 0))
    throw new InvalidArgumentError('Expected the card memory as a positive number of GB, such as 8, 12, 24 or 80.');
  if (n < 1 || n > 2048) throw new InvalidArgumentError('Expected between 1 and 2048 GB.');
  return n;
}

export function parsePositive(what: string, min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\s*\d+(\.\d+)?\s*$/.test(text) || !(n >= min && n <= max))
      throw new InvalidArgumentError(`Expected ${what}: a number from ${min} to ${max}.`);
    return n;
  };
}

export function positiveInt(what: string, min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`Expected ${what}: a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** A sample's size: its height, and its width when it is not square (null: a square of side `height`). */
export interface Resolution {
  height: number;
  width: number | null;
}

/** `--resolution PX` (a square) or `WIDTHxHEIGHT` (`832x480`), each side a whole number in range. */
export function resolutionParser(min: number, max: number) {
  return (text: string): Resolution => {
    // \u00d7 is the multiplication sign, escaped so the bundle stays ASCII (scripts/bundle.mjs)
    const m = /^\s*(\d+)\s*(?:[xX\u00d7]\s*(\d+)\s*)?$/.exec(text);
    const width = m?.[2] !== undefined ? Number(m[1]) : null;
    const height = Number(m?.[2] ?? m?.[1]);
    if (!m || [height, width ?? height].some((n) => !Number.isInteger(n) || n < min || n > max))
      throw new InvalidArgumentError(
        `Expected a resolution: a side in pixels (512) or WIDTHxHEIGHT (832x480), each a whole number from ${min} to ${max}.`,
      );
    return { height, width };
  };
}

/**
 * A parser for a closed set of values, matched case-insensitively (`--goal STYLE` is `style`, as
 * model and GPU names are found whatever their case); a bad value names the values.
 */
export function choiceParser<V extends string>(values: readonly V[]): (text: string) => V {
  return (text) => {
    const value = text.trim().toLowerCase();
    if (!(values as readonly string[]).includes(value))
      throw new InvalidArgumentError(`Allowed choices are ${values.join(', ')}.`);
    return value as V;
  };
}
