#!/usr/bin/env node
// Start-up benchmark: the built binary against bare `node -e 0`, interleaved in one run so machine
// noise hits both alike. Prints median, min and max per case and the ratio of medians to bare node.
// The "installed" cases run the package as a user gets it: `npm pack` of this build, installed from
// the tarball into a fresh prefix (npm gives every file a new time); "installed r/o" is a copy of
// that install where dist/kb.verified.json cannot be written, so it keeps its verified stamps in the
// user's cache folder (the bench's own) after its first run.
// "recommend --kb --json" runs with the validated --kb file in its cache (a first run stores it).
// Usage: npm run bench:startup [-- --runs 30]
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/finetune-advisor.js', import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;

const dir = mkdtempSync(join(tmpdir(), 'fa-bench-'));
const extra = join(dir, 'extra.yaml');
writeFileSync(
  extra,
  `gpus:
  - id: bench-card
    name: Bench Card
    vendor: nvidia
    vramGB: 16
    bf16: true
    tflops: 88
    bandwidthGBs: 672
    sources: [{ ref: benchmark fixture }]
`,
);

// the --kb cache (src/kb/kb-cache.ts) goes to the bench's own folder, never the user's home
const env = {
  ...process.env,
  NO_COLOR: '1',
  PATH: `/nonexistent-nvidia-smi:${process.env.PATH}`,
  HOME: join(dir, 'home'),
  XDG_CACHE_HOME: join(dir, 'cache'),
};

/** Packs this build and installs the tarball into a fresh prefix; returns the installed bin (npm's link). */
function installTarball() {
  const npm = (args) => {
    const r = spawnSync(
      'npm',
      [...args, '--cache', join(dir, 'npm-cache'), '--no-audit', '--no-fund', '--no-update-notifier'],
      { encoding: 'utf8', cwd: dir },
    );
    if (r.status !== 0) throw new Error(`npm ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  };
  // the build is bench:startup's own (prepack would build again); the tarball has no dependencies
  const [{ filename }] = JSON.parse(
    npm(['pack', fileURLToPath(new URL('..', import.meta.url)), '--ignore-scripts', '--json']),
  );
  npm(['install', '--prefix', join(dir, 'prefix'), '--offline', join(dir, filename)]);
  const pkg = join(dir, 'prefix', 'node_modules', 'finetune-advisor');
  const readOnly = join(dir, 'read-only', 'finetune-advisor');
  cpSync(pkg, readOnly, { recursive: true });
  mkdirSync(join(readOnly, 'dist', 'kb.verified.json')); // in the cache's place: it is never written
  return {
    bin: join(dir, 'prefix', 'node_modules', '.bin', 'finetune-advisor'),
    pkg,
    readOnlyBin: join(readOnly, 'bin', 'finetune-advisor.js'),
  };
}
const installed = installTarball();
// the same scripted recommend from a clone, an installed copy and a read-only one
const RECOMMEND = ['recommend', '--goal', 'style', '--model', 'sdxl', '--vram', '12', '--time', '2h', '--json'];
const cases = {
  'node -e 0': ['-e', '0'],
  '--help': [BIN, '--help'],
  'recommend --json': [BIN, ...RECOMMEND],
  compare: [BIN, 'compare'],
  'estimate --json': [BIN, 'estimate', '--technique', 'lora', '--model', 'llama-3.1-8b', '--gpu', '4090', '--json'],
  'recommend --kb --json': [
    BIN,
    'recommend',
    '--goal',
    'style',
    '--model',
    'sdxl',
    '--gpu',
    'bench-card',
    '--time',
    '2h',
    '--kb',
    extra,
    '--json',
  ],
  'installed --help': [installed.bin, '--help'],
  'installed recommend': [installed.bin, ...RECOMMEND],
  'installed r/o recommend': [installed.readOnlyBin, ...RECOMMEND],
};

function timeOnce(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Time until the first question is drawn, in a pseudo-terminal made by util-linux `script`. */
function timeFirstPrompt() {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('script', ['-qfec', `${process.execPath} ${BIN} recommend`, '/dev/null'], {
      env: { ...env, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('no prompt within 10 s'));
    }, 10000);
    child.stdout.on('data', (d) => {
      seen += d.toString();
      if (seen.includes('What do you want to teach the model?')) {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(ms);
      }
    });
  });
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};

// as for a user, the installed copy's first run checks the data by hash and records it; a file
// younger than 2 s is not recorded (src/kb/compiled.ts), so wait that out before the first run
const installedAt = statSync(join(installed.pkg, 'data', 'gpus.yaml')).mtimeMs;
await new Promise((resolve) => setTimeout(resolve, Math.max(0, installedAt + 2100 - Date.now())));
timeOnce(cases['installed recommend']);
timeOnce(cases['installed r/o recommend']);
// `recommend --kb --json` is measured with a warm cache: the first run validates the file and stores it
timeOnce(cases['recommend --kb --json']);

const times = Object.fromEntries([...Object.keys(cases), 'first prompt', 'node -e 0 (pty)'].map((k) => [k, []]));
const hasScript = spawnSync('script', ['--version']).status === 0;
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of Object.entries(cases)) times[name].push(timeOnce(args));
  if (hasScript) {
    times['first prompt'].push(await timeFirstPrompt());
    // the same pseudo-terminal around bare node, so the ratio excludes `script` itself
    const start = process.hrtime.bigint();
    spawnSync('script', ['-qfec', `${process.execPath} -e 0`, '/dev/null'], { stdio: 'ignore', env });
    times['node -e 0 (pty)'].push(Number(process.hrtime.bigint() - start) / 1e6);
  }
}

const bare = stats(times['node -e 0']).median;
const barePty = hasScript ? stats(times['node -e 0 (pty)']).median : NaN;
console.log(`node ${process.version}, ${RUNS} runs each, interleaved\n`);
console.log(`${'case'.padEnd(24)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}  ratio`);
for (const [name, xs] of Object.entries(times)) {
  if (!xs.length) continue;
  const s = stats(xs);
  const base = name === 'first prompt' || name === 'node -e 0 (pty)' ? barePty : bare;
  console.log(
    `${name.padEnd(24)} ${s.median.toFixed(1).padStart(7)}ms ${s.min.toFixed(1).padStart(7)}ms ${s.max.toFixed(1).padStart(7)}ms  ${(s.median / base).toFixed(2)}x`,
  );
}
if (!hasScript) console.log('\n(no util-linux `script`: first-prompt time not measured)');
rmSync(dir, { recursive: true, force: true });
