// Errors that carry their exit code. One place (run.ts) turns them into a one-line message.
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An invalid knowledge base: every problem as `file:line:column: message`. */
export class KbError extends Error {
  readonly exitCode = 1;
  constructor(readonly problems: string[]) {
    super(problems[0] ?? 'invalid knowledge base');
    this.name = 'KbError';
  }
}

/** Ctrl-C at a question: exit 130 with one line. */
export class InterruptedError extends Error {
  readonly exitCode = 130;
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/**
 * Errors are told apart by name, not instanceof: the lazily loaded bundles (the YAML loader, the
 * questions) carry their own copies of these classes (scripts/bundle.mjs).
 */
export function isNamed<E extends Error = Error>(err: unknown, name: string): err is E {
  return err instanceof Error && err.name === name;
}

/** Nothing is eligible; the result is still printed, so this only carries the exit code. */
export const EXIT = { ok: 0, failure: 1, usage: 2, nothingFits: 3, interrupted: 130 } as const;
