'use strict';
// Loads a CommonJS bundle through vm.Script with V8's code cache, so start-up deserialises compiled
// code instead of parsing and compiling it (Node 20 has no module.enableCompileCache).
// The cache (<bundle>.cache) is written at build time. It is used only when its first line equals
// the bundle's first line, a content hash the build writes (V8 itself checks only the source
// length), and when V8 accepts it (same Node version and flags). Otherwise the bundle compiles as
// usual and the cache is rewritten if the folder is writable; a read-only install just runs uncached.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire, wrap } = require('node:module');

function firstLine(text) {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}

/** Evaluates `file` as a CommonJS module; returns its exports and whether the cache was used. */
function loadWithCodeCache(file) {
  const source = fs.readFileSync(file, 'utf8');
  const stamp = firstLine(source);
  const cacheFile = `${file}.cache`;
  let cachedData;
  try {
    const cache = fs.readFileSync(cacheFile);
    const header = cache.indexOf(10);
    if (header > 0 && cache.toString('latin1', 0, header) === stamp) cachedData = cache.subarray(header + 1);
  } catch {
    // no cache yet
  }
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: mod.exports,
    cacheUsed,
    /** Writes the cache (best effort; call after the work, so lazily compiled functions are in it). */
    writeCache() {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${stamp}\n`, 'latin1'), script.createCachedData()]));
        fs.renameSync(tmp, cacheFile);
        return true;
      } catch {
        return false; // read-only folder: run uncached
      }
    },
  };
}

module.exports = { loadWithCodeCache };
