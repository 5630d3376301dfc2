// Errors that carry their exit code. One place (run.ts, reportError) turns them into a one-line
// message and reads the code from the error.

/** A registered symbol, so every copy of this module in the process names the same property. */
const ERROR_KIND = Symbol.for('finetune-advisor.error-kind');

/**
 * The errors the CLI expects. The lazily loaded bundles (the YAML loader, the questions; see
 * scripts/bundle.mjs) carry their own copy of this module, so an error thrown there is not an
 * instance of the main bundle's classes by prototype. Each error is branded with its class's kind
 * under a registered symbol, and `instanceof` (Symbol.hasInstance) accepts the brand too: the
 * checks read as `err instanceof UsageError` and TypeScript narrows them, in every bundle.
 */
export abstract class CliError extends Error {
  /** the class's brand: a name that stays the same when the bundle is minified */
  static readonly kind: string = 'cli';
  abstract readonly exitCode: number;
  declare readonly [ERROR_KIND]: string;

  constructor(message: string) {
    super(message);
    Object.defineProperty(this, ERROR_KIND, { value: (new.target as typeof CliError).kind });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const kind = (value as { [ERROR_KIND]?: unknown })[ERROR_KIND];
    // this module's base class accepts any copy's error; a subclass only its own kind
    return typeof kind === 'string' && (this === CliError || kind === this.kind);
  }
}

export class UsageError extends CliError {
  static override readonly kind = 'usage';
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
export class KbError extends CliError {
  static override readonly kind = 'kb';
  readonly exitCode = 1;
  constructor(readonly problems: string[]) {
    super(problems[0] ?? 'invalid knowledge base');
    this.name = 'KbError';
  }
}

/** A file the command would write cannot be written (it exists, or the folder cannot be made): exit 1, one line. */
export class OutputError extends CliError {
  static override readonly kind = 'output';
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/** A file the user named (a trainer config `check` reads) cannot be read or parsed: exit 1, one line `file:line:column: message`. */
export class FileError extends CliError {
  static override readonly kind = 'file';
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'FileError';
  }
}

/** Ctrl-C at a question: exit 130 with one line. */
export class InterruptedError extends CliError {
  static override readonly kind = 'interrupted';
  readonly exitCode = 130;
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/** Nothing is eligible; the result is still printed, so this only carries the exit code. */
export const EXIT = { ok: 0, failure: 1, usage: 2, nothingFits: 3, interrupted: 130 } as const;
