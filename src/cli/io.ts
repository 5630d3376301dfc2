// What a command may touch of the outside world; bin/ wires it to the process, tests to buffers.
export interface Io {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  /** terminal columns when stdout is a terminal */
  columns?: number;
  /** stdin and stderr when both are terminals: where interactive questions are asked */
  terminal?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream };
}

/** Colour only for a terminal; NO_COLOR wins over everything, then --no-color, then FORCE_COLOR. */
export function colorEnabled(io: Io, flag: boolean | undefined): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (flag === false) return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return io.stdoutIsTTY && io.env.TERM !== 'dumb';
}

/** Width to fit tables into: COLUMNS, else the terminal's, else 100 for pipes. */
export function terminalWidth(io: Io): number {
  const env = Number(io.env.COLUMNS);
  if (Number.isInteger(env) && env >= 20) return env;
  if (io.columns && io.columns >= 20) return io.columns;
  return 100;
}

/** DEBUG turns on stack traces; DEBUG=0, false, no or off (and empty) mean it is off. */
export function debugEnabled(env: Record<string, string | undefined>): boolean {
  const v = env.DEBUG?.trim().toLowerCase();
  return v !== undefined && !['', '0', 'false', 'no', 'off'].includes(v);
}
