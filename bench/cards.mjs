#!/usr/bin/env node
// Several cards on paper: for 1 to 512 cards, memory per card and time per step of an 8B, a 70B and a
// 405B full fine-tune under ZeRO-3, on NVLink (H100 SXM: 8 per node, NVLink 4, InfiniBand between
// nodes) and on PCIe (H100 PCIe, PCIe 5.0 x16), from the estimator itself (src/estimate/parallel.ts),
// against the per-card model states ZeRO tabulates (arXiv 1910.02054 Table 1: (2 + 2 + K) x psi / N
// bytes with K = 12 for mixed-precision Adam under P_os+g+p). Weak scaling: each card keeps its own
// micro-batch of 1 x 4,096 tokens with gradient checkpointing.
// Usage: npm run bench:cards [-- --json]
import { cardFromGpu } from '../dist/estimate/card.js';
import { estimateRun } from '../dist/estimate/fit.js';
import { GiB } from '../dist/estimate/memory.js';
import { resolveSettings } from '../dist/estimate/settings.js';
import { loadKnowledgeBase } from '../dist/kb/load.js';

const kb = loadKnowledgeBase();
const CARDS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
const PER_NODE = 8;
/** InfiniBand NDR, one 400 Gb/s adapter per GPU as in NVIDIA's DGX H100 (8 x ConnectX-7): 50 GB/s per direction */
const NETWORK = { kind: 'network', GBs: 50, label: 'InfiniBand NDR 400 Gb/s per card' };
const LINKS = {
  nvlink: { gpu: 'h100-sxm', link: { kind: 'nvlink', GBs: 450, label: 'NVLink 4 (450 GB/s per direction)' } },
  pcie: { gpu: 'h100-pcie', link: { kind: 'pcie', GBs: 63, label: 'PCIe 5.0 x16 (63 GB/s per direction)' } },
};
const MODELS = ['llama-3.1-8b', 'llama-3.1-70b', 'llama-3.1-405b'].filter((id) => kb.models.some((m) => m.id === id));
const technique = kb.techniques.find((t) => t.id === 'full-finetune');
const rows = [];
for (const id of MODELS) {
  const model = kb.models.find((m) => m.id === id);
  for (const [name, { gpu, link }] of Object.entries(LINKS)) {
    const base = cardFromGpu(kb.gpus.find((g) => g.id === gpu));
    for (const n of CARDS) {
      const nodes = Math.max(1, Math.ceil(n / PER_NODE));
      const card = { ...base, cards: n, nodes, link: n > 1 ? link : null, nodeLink: nodes > 1 ? NETWORK : null };
      const s = {
        ...resolveSettings(technique, model, {
          batch: 1,
          gradAccum: 1,
          seqLen: 4096,
          precision: 'bf16-master',
          optimizer: 'adamw',
          gradientCheckpointing: true,
        }),
        cards: n,
        strategy: n > 1 ? 'zero3' : null,
      };
      const r = estimateRun(model, s, card);
      // ZeRO's per-card model states, (2 + 2 + 12) x psi / N
      const zeroStates = (16 * model.params) / n / GiB;
      const states = ['base weights', 'gradients', 'optimizer states'].reduce(
        (t, p) => t + (r.memory.breakdown.find((x) => x.part === p)?.gib ?? 0),
        0,
      );
      rows.push({
        model: id,
        link: name,
        cards: n,
        peakGiB: r.memory.peakGiB,
        statesGiB: states,
        zeroStatesGiB: zeroStates,
        fits: r.memory.peakGiB <= base.vramGiB * 0.9,
        stepSeconds: r.step.stepSeconds,
        tokensPerSecondPerCard: r.step.tokensPerSecond / n,
        exposedSeconds: r.step.communication?.exposedSeconds ?? 0,
      });
    }
  }
}
if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
else {
  const pad = (v, w) => String(v).padStart(w);
  console.log('model           link    cards  peak/card GiB  states GiB (ZeRO)  fits  s/step  tok/s/card  comm s');
  for (const r of rows)
    console.log(
      `${r.model.padEnd(15)} ${r.link.padEnd(7)} ${pad(r.cards, 5)}  ${pad(r.peakGiB.toFixed(1), 13)}  ${pad(r.statesGiB.toFixed(1), 8)} (${pad(r.zeroStatesGiB.toFixed(1), 6)})  ${pad(r.fits ? 'yes' : 'no', 4)}  ${pad(r.stepSeconds.toFixed(2), 6)}  ${pad(Math.round(r.tokensPerSecondPerCard), 10)}  ${pad(r.exposedSeconds.toFixed(2), 6)}`,
    );
}
