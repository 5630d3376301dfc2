'use strict';
// Loads a CommonJS bundle through vm.Script with V8's code cache, so start-up deserialises compiled
// code instead of parsing and compiling it (Node 20 has no module.enableCompileCache).
// The cache (<bundle>.cache) is written at build time: a header line, then V8's cached data. The
// header is the bundle's first line (a content hash the build writes) and a checksum of the data.
// V8 checks only a few header fields of cached data (its version, flags, the source's length),
// and a cache with a few bytes changed elsewhere can make it abort the process, so the checksum is
// verified before V8 sees the data. A cache is used only when it is a regular file of sane size,
// its stamp matches, its checksum matches, and V8 accepts it (same Node version and flags).
// Otherwise the bundle compiles as usual and writeCaches() rewrites the cache if the folder is
// writable; a read-only install just runs uncached. A bundle's require('./other.cjs') of a sibling
// bundle (the lazily loaded YAML loader and questions) goes through the same cache.
// FINETUNE_ADVISOR_CODE_CACHE_DEBUG=1 reports on stderr what happened to each cache.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const nodeModule = require('node:module');
const { createRequire, wrap } = nodeModule;

/** Far above any bundle's cache (the largest is about 0.6 MB), and small enough to read at once. */
const MAX_CACHE_BYTES = 16 * 1024 * 1024;
/** The header line is the stamp (67 bytes), a space and the checksum: a newline must come early. */
const MAX_HEADER_BYTES = 256;
// O_NONBLOCK: opening a FIFO that replaced the file after lstat must not wait for a writer;
// O_NOFOLLOW: nor may a symlink that replaced it be followed (both 0 where the OS has no such flag).
const READ_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOFOLLOW ?? 0);

const debugValue = process.env.FINETUNE_ADVISOR_CODE_CACHE_DEBUG;
const debug = debugValue !== undefined && !['', '0', 'false'].includes(debugValue.toLowerCase());
const report = debug ? (file, what) => process.stderr.write(`code cache: ${path.basename(file)} ${what}\n`) : () => {};

/** Every bundle loaded in this process, by path. */
const loaded = new Map();

function firstLine(text) {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}

let zlib;
/**
 * The checksum written in the header, named by its algorithm: CRC-32 through node:zlib (Node >=
 * 20.15), else SHA-256 through node:crypto. It guards against damage, not against an attacker,
 * who could as well change the bundle beside it. Measured for the 335 KB of cli.cjs's cache, in
 * a fresh process: loading node:zlib (and node:stream behind it) 1.8 ms and crc32 0.1 ms;
 * node:crypto 2.9 ms and SHA-256 0.5 ms; a JavaScript loop that runs once 2.4 ms; a hash in
 * WebAssembly about as much as zlib in all (its memory, compilation and baseline code cost what
 * zlib's load does).
 */
function checksum(payload) {
  zlib ??= require('node:zlib');
  if (typeof zlib.crc32 === 'function') return `crc32:${zlib.crc32(payload).toString(16).padStart(8, '0')}`;
  return `sha256:${require('node:crypto').createHash('sha256').update(payload).digest('hex')}`;
}

/**
 * The cache file's bytes, or why they are not read: only a regular file (not a FIFO, a device, a
 * folder or a symlink, which the next write replaces) of at most MAX_CACHE_BYTES, and never more
 * than its size plus one byte, whatever it turns out to be.
 */
function readCacheFile(cacheFile, maxBytes = MAX_CACHE_BYTES) {
  let fd;
  try {
    const stat = fs.lstatSync(cacheFile, { throwIfNoEntry: false });
    if (stat === undefined) return { reason: 'missing' };
    if (!stat.isFile()) return { reason: 'not a regular file' }; // never opened: opening a device can do things
    fd = fs.openSync(cacheFile, READ_FLAGS);
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return { reason: 'not a regular file' };
    const { size } = opened;
    if (size > maxBytes) return { reason: `larger than ${maxBytes} bytes` };
    const bytes = Buffer.allocUnsafe(size + 1);
    let length = 0;
    for (let n; length < bytes.length && (n = fs.readSync(fd, bytes, length, bytes.length - length, length)) > 0;)
      length += n;
    if (length !== size) return { reason: 'changed while read' };
    return { bytes: bytes.subarray(0, size), stat: opened };
  } catch (err) {
    return { reason: `unreadable (${err.code ?? err.message})` };
  } finally {
    if (fd !== undefined) ignoreErrors(() => fs.closeSync(fd));
  }
}

/** V8's cached data from the cache file, or why there is none that can be given to V8. */
function verifiedCachedData(cacheFile, stamp) {
  const { bytes, stat, reason } = readCacheFile(cacheFile);
  if (bytes === undefined) return { reason };
  const end = bytes.subarray(0, MAX_HEADER_BYTES).indexOf(10);
  const header = end < 0 ? '' : bytes.toString('latin1', 0, end);
  if (!header.startsWith(`${stamp} `)) return { reason: 'made for another build of the bundle' };
  const payload = bytes.subarray(end + 1);
  const expected = header.slice(stamp.length + 1);
  if (readVerifiedStamp(cacheFile) !== verifiedStamp(stat, expected)) {
    if (expected !== checksum(payload)) return { reason: 'checksum mismatch' };
    recordVerified(cacheFile, stat, expected);
  }
  return { cachedData: payload };
}

/**
 * A cache whose checksum was verified is recorded by its stat in `<cache>.verified`, so later runs
 * skip the checksum (loading node:zlib for it cost about 2 ms of every start): size, mtime, ctime
 * and inode equal to those verified mean the same bytes, as in git's index. ctime cannot be set
 * back, so a change that restores the mtime is still seen. A file changed within RACY_MS of now is
 * not recorded (a later change in the same clock tick would keep its times); a read-only folder
 * just verifies every run.
 */
const RACY_MS = 2000;

function verifiedStamp(stat, checksumText) {
  return `${stat.size} ${stat.mtimeMs} ${stat.ctimeMs} ${stat.ino} ${checksumText}`;
}

function readVerifiedStamp(cacheFile) {
  const { bytes } = readCacheFile(`${cacheFile}.verified`, MAX_HEADER_BYTES);
  return bytes === undefined ? undefined : bytes.toString('latin1');
}

function recordVerified(cacheFile, stat, checksumText) {
  const now = Date.now();
  if (now - stat.mtimeMs < RACY_MS || now - stat.ctimeMs < RACY_MS) return;
  writeFileAtomically(`${cacheFile}.verified`, Buffer.from(verifiedStamp(stat, checksumText), 'latin1'));
}

/** 'node' once Node's own compile cache is on (startCompileCache), else this file's cache. */
let cacheMode = 'bundle';

/**
 * Node >= 22.1 has a compile cache of its own for CommonJS (module.enableCompileCache), which
 * checks each entry against the source's hash and writes it outside the package: where it turns
 * on, bundles are required plainly and Node caches them (in the user's cache folder,
 * `$XDG_CACHE_HOME` or `~/.cache`, else Node's default in the temporary folder). Node 20 has none,
 * and there this file's cache earns 0.12-0.16x of a bare start (README, Performance). Returns the
 * mode chosen.
 */
function startCompileCache(api = nodeModule, env = process.env) {
  if (typeof api.enableCompileCache !== 'function') return cacheMode;
  const home = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : undefined;
  const base = home ?? (env.HOME && path.isAbsolute(env.HOME) ? path.join(env.HOME, '.cache') : undefined);
  let result;
  try {
    result = base
      ? api.enableCompileCache(path.join(base, 'finetune-advisor', 'node-compile-cache'))
      : api.enableCompileCache();
  } catch {
    return cacheMode; // an unusable folder: this file's cache still works
  }
  const status = api.constants?.compileCacheStatus;
  // DISABLED (NODE_DISABLE_COMPILE_CACHE) and FAILED fall back to this file's cache
  if (status && (result?.status === status.ENABLED || result?.status === status.ALREADY_ENABLED)) {
    cacheMode = 'node';
    if (debug) process.stderr.write(`code cache: Node's compile cache in ${result.directory}\n`);
  }
  return cacheMode;
}

/**
 * The commands whose run has a cache of its own (`cli.cjs.<variant>.cache`), built after running
 * only that command (as a table and as JSON, on an image and a language model), with `.json` when
 * it prints JSON: V8 deserialises the whole cache on every start, and one holding every command's
 * functions (590 KB) cost each of them 1.4-2.1 ms more than its own (240-470 KB; 40-60 interleaved
 * runs each of recommend, recommend --json, estimate --json and compare, Node 20.20, 2 cores).
 * Any other command, help and a typo use the bundle's one cache.
 */
const COMMAND_CACHES = new Set(['recommend', 'estimate', 'compare', 'config', 'check']);

/**
 * The cache variant for a command line: its command (the first word, after the global `--kb`
 * option's values) when that command has a cache of its own, with `.json` when it asks for JSON;
 * else undefined (the bundle's own cache).
 */
function cacheVariant(argv) {
  let command;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (arg === '--json' || arg === '--format=json' || (arg === '--format' && argv[i + 1] === 'json')) json = true;
    else if (command !== undefined || arg.startsWith('--kb=')) continue;
    else if (arg === '--kb') i++;
    else if (arg.startsWith('-'))
      return undefined; // an option before the command: help or an error
    else command = arg;
  }
  if (command === undefined || !COMMAND_CACHES.has(command)) return undefined;
  return json ? `${command}.json` : command;
}

/** The cache file of `file` for a variant (cacheVariant), or its own. */
function cacheFileOf(file, variant) {
  return variant === undefined ? `${file}.cache` : `${file}.${variant}.cache`;
}

/**
 * Evaluates `file` as a CommonJS module (once per process); returns its exports and whether the
 * cache was used. With a variant, that command's cache is read when it exists, else the bundle's own.
 */
function loadWithCodeCache(file, variant) {
  const known = loaded.get(file);
  if (known) return known;
  if (cacheMode === 'node') {
    // Node's loader and its compile cache; the bundle's own require() of a sibling goes there too
    const record = { file, cacheUsed: true, exports: require(file), writeCache: () => false };
    loaded.set(file, record);
    return record;
  }
  const source = fs.readFileSync(file, 'utf8');
  const stamp = firstLine(source);
  let cacheFile = cacheFileOf(file, variant);
  let { cachedData, reason } = verifiedCachedData(cacheFile, stamp);
  if (variant !== undefined && reason === 'missing') {
    cacheFile = cacheFileOf(file, undefined); // not built for that command: the bundle's own
    ({ cachedData, reason } = verifiedCachedData(cacheFile, stamp));
  }
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  // the reports name a command's cache after the bundle: "cli.cjs (recommend.json) used"
  const label = cacheFile === cacheFileOf(file, undefined) ? file : `${file} (${variant})`;
  report(label, cacheUsed ? 'used' : `rejected: ${reason ?? 'by V8 (another Node version or flags)'}`);
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  const record = {
    file,
    cacheUsed,
    get exports() {
      return mod.exports;
    },
    /**
     * Writes the cache (best effort; call after the work, so lazily compiled functions are in it):
     * the file it was read from, or a variant's (the build's, for one command's run).
     */
    writeCache(as = cacheFile) {
      const written = writeCacheFile(as, stamp, script);
      report(as === cacheFile ? label : file, written === true ? 'rewritten' : `not rewritten: ${written}`);
      return written === true;
    },
  };
  loaded.set(file, record);
  const requireFromBundle = createRequire(file);
  const dir = path.dirname(file);
  const bundleRequire = (id) =>
    /^\.\/[\w-]+\.cjs$/.test(id) ? loadWithCodeCache(path.join(dir, id)).exports : requireFromBundle(id);
  script.runInThisContext()(mod.exports, bundleRequire, mod, file, dir);
  mod.loaded = true;
  return record;
}

/**
 * Writes the cache to a new temporary file in the same folder and renames it over the cache path,
 * so a symlink or FIFO there is replaced, never written through, and a reader sees the old cache
 * or the new one, never half of one. The temporary file is created exclusively (O_EXCL never
 * follows a symlink, and two parallel runs never share one) and removed on any failure. Returns
 * true, or why not.
 */
function writeCacheFile(cacheFile, stamp, script) {
  const payload = script.createCachedData();
  const headerLine = Buffer.from(`${stamp} ${checksum(payload)}\n`, 'latin1');
  if (headerLine.length + payload.length > MAX_CACHE_BYTES) return 'larger than a cache that is read';
  return writeFileAtomically(cacheFile, Buffer.concat([headerLine, payload]));
}

/** Writes `bytes` to `target` through an exclusive temporary file renamed over it; true, or why not. */
function writeFileAtomically(target, bytes) {
  const tmp = `${target}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
  let fd;
  try {
    fd = fs.openSync(tmp, 'wx');
  } catch (err) {
    return err.code ?? err.message; // a read-only folder: run uncached
  }
  try {
    fs.writeFileSync(fd, bytes);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
    return true;
  } catch (err) {
    // best effort each, and never an error for the command that ran
    if (fd !== undefined) ignoreErrors(() => fs.closeSync(fd));
    ignoreErrors(() => fs.unlinkSync(tmp));
    return err.code ?? err.message;
  }
}

function ignoreErrors(action) {
  try {
    action();
  } catch {
    // nothing better to do
  }
}

/** Rewrites the cache of every bundle loaded without a usable one (a new Node version, a rebuilt bundle, a damaged file). */
function writeCaches() {
  for (const record of loaded.values()) if (!record.cacheUsed) record.writeCache();
}

module.exports = { cacheFileOf, cacheVariant, loadWithCodeCache, startCompileCache, writeCaches };
