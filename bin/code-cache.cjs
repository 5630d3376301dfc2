'use strict';
// Loads a CommonJS bundle through vm.Script with V8's code cache, so start-up deserialises compiled
// code instead of parsing and compiling it (Node 20 has no module.enableCompileCache).
// The cache (<bundle>.cache) is written at build time. It is used only when its first line equals
// the bundle's first line, a content hash the build writes (V8 itself checks only the source
// length), and when V8 accepts it (same Node version and flags). Otherwise the bundle compiles as
// usual and writeCaches() rewrites the cache if the folder is writable; a read-only install just
// runs uncached. A bundle's require('./other.cjs') of a sibling bundle (the lazily loaded YAML
// loader and questions) goes through the same cache.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire, wrap } = require('node:module');

/** Every bundle loaded in this process, by path. */
const loaded = new Map();

function firstLine(text) {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}

/** Evaluates `file` as a CommonJS module (once per process); returns its exports and whether the cache was used. */
function loadWithCodeCache(file) {
  const known = loaded.get(file);
  if (known) return known;
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
  const record = {
    file,
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
    get exports() {
      return mod.exports;
    },
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
  loaded.set(file, record);
  const requireFromBundle = createRequire(file);
  const dir = path.dirname(file);
  const bundleRequire = (id) => (/^\.\/[\w-]+\.cjs$/.test(id) ? loadWithCodeCache(path.join(dir, id)).exports : requireFromBundle(id));
  script.runInThisContext()(mod.exports, bundleRequire, mod, file, dir);
  mod.loaded = true;
  return record;
}

/** Rewrites the cache of every bundle loaded without one (a new Node version, or a rebuilt bundle). */
function writeCaches() {
  for (const record of loaded.values()) if (!record.cacheUsed) record.writeCache();
}

module.exports = { loadWithCodeCache, writeCaches };
