// The verdict `check` prints after the estimate: whether the config fits the card and the time,
// the changes in the trainer's own option names, and the keys the trainer does not have.
import type { Change, UnknownKey, Verdict } from '../cli/commands/check/run.js';
import { formatBudget, formatDuration } from '../format.js';

const gib = (n: number) => `${n.toFixed(1)} GiB`;

export function renderCheckVerdict(v: Verdict, changes: Change[], unknown: UnknownKey[], trainerId: string): string {
  const out: string[] = [];
  if (v.fits === null) out.push('Fits: no card given (--gpu NAME or --vram GB to check).');
  else out.push(`Fits: ${v.fits ? 'yes' : 'no'}, peak ${gib(v.peakGiB)} of ${gib(v.limitGiB!)} usable.`);
  if (v.budgetHours !== null && v.hours !== null)
    out.push(
      `Time: ${formatDuration(v.hours)}, ${v.withinTime ? 'within' : 'over'} the ${formatBudget(v.budgetHours)} budget.`,
    );
  if (changes.length) {
    out.push('', `Changes (${trainerId} options):`);
    for (const c of changes) {
      out.push(`  ${c.why === 'fit' ? 'to fit' : c.why === 'time' ? 'for the time' : 'faster'}: ${c.label}`);
      for (const [k, val] of c.options) out.push(`    ${k} = ${JSON.stringify(val)}`);
    }
  }
  if (unknown.length) {
    out.push('', `Keys ${trainerId} does not have (it may ignore them):`);
    for (const u of unknown)
      out.push(
        `  ${u.file}${u.line ? `:${u.line}:${u.column}` : ''}: ${u.key}${u.suggestion ? ` (did you mean \`${u.suggestion}\`?)` : ''}`,
      );
  }
  return out.join('\n');
}
