#!/usr/bin/env node
'use strict';
// Wires the process to run(argv, io): streams, TTY facts, the exit code, and a quiet EPIPE.
const path = require('node:path');
const { isTerminal, output } = require('./stdio.cjs');
const { cacheVariant, loadWithCodeCache, startCompileCache, writeCaches } = require('./code-cache.cjs');

// DEBUG=0, false, no or off (or empty) mean "no": only another value asks for stacks.
const debug = !['', '0', 'false', 'no', 'off'].includes((process.env.DEBUG ?? '').trim().toLowerCase());

// Anything unexpected: one line, and the stack only with DEBUG (errors the CLI expects never get here).
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (err) => {
    process.stderr.write(`error: ${err?.message ?? err} (an internal error; set DEBUG=1 for details)\n`);
    if (debug && err?.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  });
}
// No SIGINT handler here: a JS handler runs only when the event loop is free, so it would swallow
// Ctrl-C during synchronous work (validating a large --kb). Node's default stops any work at once,
// resets the terminal and dies by the signal (the shell reports 130). The questions install their
// own handlers while they are shown (src/cli/prompts.ts), to restore the terminal first.

const [stdinIsTTY, stdoutIsTTY, stderrIsTTY] = [0, 1, 2].map(isTerminal);
startCompileCache();
const argv = process.argv.slice(2);
const cli = loadWithCodeCache(path.join(__dirname, '..', 'dist', 'bundle', 'cli.cjs'), cacheVariant(argv));
cli.exports
  .run(argv, {
    stdout: output(1, stdoutIsTTY),
    stderr: output(2, stderrIsTTY),
    env: process.env,
    stdoutIsTTY,
    stdinIsTTY,
    columns: stdoutIsTTY ? process.stdout.columns : undefined,
    // questions need a terminal on both ends; they are drawn on stderr so stdout stays clean
    terminal: stdinIsTTY && stderrIsTTY ? { input: process.stdin, output: process.stderr } : undefined,
  })
  .then((code) => {
    writeCaches(); // only for bundles that ran without a usable cache (a new Node version, a rebuild)
    process.exitCode = code;
  });
