// Numbers, durations and sizes as the tool writes them: one leaf module (it imports nothing), used
// by the rule templates (src/engine) and the renderers alike, so a reason and a table cell never
// write the same figure two ways.

/** `n` rounded to `digits` decimals, as a number. */
export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * 12345.6 -> "12,345.6", as toLocaleString('en-US') writes it, without loading ICU's locale data
 * (about 10 ms on the first call, a sixth of a bare Node start).
 */
export function groupThousands(n: number): string {
  const [whole, fraction] = String(Math.abs(n)).split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}`;
}

export function fmtNum(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  // below 0.01: two significant digits as a plain decimal ("0.001", "0.00042"), never "1.0e-3"
  if (abs !== 0 && abs < 0.01) return String(Number(n.toFixed(Math.min(20, 1 - Math.floor(Math.log10(abs))))));
  return groupThousands(Number(n.toFixed(abs < 1 ? Math.max(digits, 2) : digits)));
}

/** Hours as people say them: "0.1 s", "12 s", "40 min", "5.4 h", "2.5 days". */
export function formatDuration(hours: number): string {
  const seconds = hours * 3600;
  // under a minute in seconds, two significant digits: a one-step run is "0.05 s", not "1 min"
  if (seconds < 59.5) return `${Number(seconds.toPrecision(seconds < 1 ? 1 : 2))} s`;
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${Number(hours.toFixed(1))} h`;
  return `${Number((hours / 24).toFixed(1))} days`;
}

/** A time budget that is enough: rounded up, to the minute below an hour, else to 0.1 h. */
export function formatBudget(hours: number): string {
  return hours < 1 ? `${Math.ceil(hours * 60)} min` : `${Math.ceil(hours * 10) / 10} h`;
}

export function fmtMB(mb: number): string {
  if (mb < 1) return `${fmtNum(mb * 1000, 0)} KB`;
  if (mb >= 1000) return `${fmtNum(mb / 1000, 2)} GB`;
  return `${fmtNum(mb, mb < 10 ? 1 : 0)} MB`;
}

/** "1 step", "2 steps": a count with its noun. */
export function plural(n: number, noun: string): string {
  return `${groupThousands(n)} ${noun}${n === 1 ? '' : 's'}`;
}

export function fmtLr(lr: number): string {
  return lr.toExponential().replace(/\.0+e/, 'e');
}

/** A fact's value or a threshold in a reason or a table: lists joined, numbers to 2 decimals, none as a dash. */
export function formatFact(v: string | number | boolean | readonly (string | number)[] | null): string {
  if (v === null) return '—';
  if (Array.isArray(v)) return v.join(', ');
  // whole numbers of five digits and more grouped, as the renderers print counts ("12,500 steps")
  if (typeof v === 'number')
    return Number.isInteger(v) ? (Math.abs(v) >= 10000 ? groupThousands(v) : String(v)) : String(Number(v.toFixed(2)));
  return String(v);
}
