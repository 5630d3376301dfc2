#!/usr/bin/env node
// Wires the process to run(argv, io): streams, TTY facts, the exit code, and a quiet EPIPE.
import { run } from '../dist/bundle/run.js';

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0); // reader went away (| head)
    throw err;
  });
}
// Anything unexpected: one line, and the stack only with DEBUG (errors the CLI expects never get here).
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (err) => {
    process.stderr.write(`error: ${err?.message ?? err} (an internal error; set DEBUG=1 for details)\n`);
    if (process.env.DEBUG && err?.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  });
}
process.on('SIGINT', () => {
  process.stderr.write('\ninterrupted\n');
  process.exit(130);
});

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stdinIsTTY: Boolean(process.stdin.isTTY),
  columns: process.stdout.columns,
  // questions need a terminal on both ends; they are drawn on stderr so stdout stays clean
  terminal: process.stdin.isTTY && process.stderr.isTTY ? { input: process.stdin, output: process.stderr } : undefined,
});
process.exitCode = code;
