'use strict';
// Standard output and error for a run, without building process.stdout/stderr when they are files
// or pipes: those streams (and node:tty, node:net and node:stream behind them) cost a few
// milliseconds of every start, and a scripted run only needs to write text. Terminals still get
// Node's streams (their width, and the interactive questions, need them).
const fs = require('node:fs');

let devNull;
/** A terminal, found without loading node:tty unless the descriptor is a character device. */
function isTerminal(fd) {
  let st;
  try {
    st = fs.fstatSync(fd);
  } catch {
    return false; // closed
  }
  if (!st.isCharacterDevice()) return false; // a file, a pipe or a socket
  try {
    devNull ??= fs.statSync('/dev/null').rdev;
  } catch {
    devNull = -1; // no /dev/null (Windows)
  }
  if (st.rdev === devNull) return false;
  return require('node:tty').isatty(fd);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `text` to `fd`; a reader that went away (| head) ends the process quietly. */
function writeAll(fd, text) {
  let buf;
  try {
    const written = fs.writeSync(fd, text);
    if (written === Buffer.byteLength(text)) return true;
    buf = Buffer.from(text).subarray(written); // a partial write (a pipe): the rest as bytes
  } catch (err) {
    if (err.code !== 'EAGAIN') return writeFailed(err);
    buf = Buffer.from(text);
  }
  while (buf.length) {
    try {
      buf = buf.subarray(fs.writeSync(fd, buf));
    } catch (err) {
      if (err.code === 'EAGAIN')
        Atomics.wait(pause, 0, 0, 1); // a non-blocking pipe is full: wait for the reader
      else return writeFailed(err);
    }
  }
  return true;
}

/** A reader that went away (| head) ends the run quietly; any other error is the caller's. */
function writeFailed(err) {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
}

/** stdout or stderr: Node's stream on a terminal, else direct writes to the descriptor. */
function output(fd, terminal) {
  if (terminal) {
    const stream = fd === 1 ? process.stdout : process.stderr;
    stream.on('error', (err) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
    return stream;
  }
  return { write: (text) => writeAll(fd, text) };
}

module.exports = { isTerminal, output };
