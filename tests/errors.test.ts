// Errors thrown by another copy of src/errors.ts (as the lazily loaded bundles carry) are still
// instances of this copy's classes, by kind, and reportError reads their exit code.
import { describe, expect, it } from 'vitest';

import { reportError } from '../src/cli/run.js';
import { CliError, InterruptedError, KbError, UsageError } from '../src/errors.js';

async function otherCopy(): Promise<typeof import('../src/errors.js')> {
  // a query string makes the module loader evaluate the file again: a second set of classes
  // @ts-expect-error -- TypeScript has no module for a path with a query; vitest loads it
  return (await import('../src/errors.ts?copy')) as typeof import('../src/errors.js');
}

function captured() {
  let text = '';
  const stderr = { write: (s: string) => ((text += s), true) };
  return { io: { stderr, env: {} } as unknown as Parameters<typeof reportError>[1], text: () => text };
}

describe('errors across module copies', () => {
  it('is a second copy, with classes of its own', async () => {
    const copy = await otherCopy();
    expect(copy.UsageError).not.toBe(UsageError);
    expect(Object.getPrototypeOf(new copy.UsageError('x'))).not.toBe(UsageError.prototype);
  });

  it('accepts an error of the same kind from the other copy, and only that kind', async () => {
    const copy = await otherCopy();
    const usage = new copy.UsageError('bad flag', 'a hint');
    expect(usage instanceof UsageError).toBe(true);
    expect(usage instanceof CliError).toBe(true);
    expect(usage instanceof KbError).toBe(false);
    expect(usage instanceof InterruptedError).toBe(false);
    expect(new copy.KbError(['f.yaml:1:1: bad']) instanceof KbError).toBe(true);
    expect(new copy.KbError(['f.yaml:1:1: bad']) instanceof UsageError).toBe(false);
    expect(new Error('plain') instanceof CliError).toBe(false);
    expect({ name: 'UsageError', exitCode: 2 } instanceof UsageError).toBe(false);
  });

  it('reportError prints each kind from the other copy as from this one and returns its exit code', async () => {
    const copy = await otherCopy();
    for (const [err, same] of [
      [new copy.UsageError('bad flag', 'a hint'), new UsageError('bad flag', 'a hint')],
      [new copy.KbError(['f.yaml:1:2: bad']), new KbError(['f.yaml:1:2: bad'])],
      [new copy.KbError(['f.yaml: not a regular file']), new KbError(['f.yaml: not a regular file'])],
      [new copy.InterruptedError(), new InterruptedError()],
    ] as const) {
      const a = captured();
      const b = captured();
      const code = reportError(err, a.io);
      expect(code).toBe(reportError(same, b.io));
      expect(code).toBe(same.exitCode);
      expect(a.text()).toBe(b.text());
      expect(a.text()).not.toContain('DEBUG');
    }
  });

  it('an unexpected error is a failure with a hint to set DEBUG', () => {
    const c = captured();
    expect(reportError(new Error('boom'), c.io)).toBe(1);
    expect(c.text()).toBe('error: boom (set DEBUG=1 for details)\n');
  });
});
