// Several cards (issue 16): --gpus, --gpu "Nx NAME", --nodes and --interconnect on estimate,
// recommend and check; the card set they build (cards, nodes, the links) and every bad combination.
import { describe, expect, it } from 'vitest';

import { gpuSetParts, resolveCardSet } from '../../src/cli/resolve.js';
import {
  cardSetName,
  linkWithinNode,
  NODE_NETWORKS,
  nodeNetworkFor,
  pcieLink,
  resolveCard,
} from '../../src/estimate/card.js';
import type { EstimateJson } from '../../src/render/estimate-json.js';
import type { ChoiceJson } from '../../src/render/recommend-json.js';
import { bundledKb, expectUsageError, jsonOf, runCli, splitFlags } from '../helpers.js';

const kb = bundledKb();
const gpu = (id: string) => kb.gpus.find((g) => g.id === id)!;
const ESTIMATE = ['estimate', '--technique', 'lora', '--model', 'llama-3.1-8b'];
const RECOMMEND = ['recommend', '--goal', 'chat', '--model', 'llama-3.1-8b', '--time', '8h'];

interface LinkJson {
  kind: string;
  GBs: number;
  label: string;
  peerToPeer: boolean;
}
interface CardJson {
  id: string | null;
  vramGiB: number;
  cards: number;
  nodes: number;
  link: LinkJson | null;
  nodeLink: LinkJson | null;
}
const cardOf = async (flags: string[]) => (await jsonOf<{ gpu: CardJson }>([...ESTIMATE, ...flags])).gpu;

describe('--gpu "COUNTx NAME"', () => {
  it.each([
    ['2x 3090', 2, '3090'],
    ['2 x RTX 3090', 2, 'RTX 3090'],
    ['8X H100', 8, 'H100'],
    ['2x3090', 2, '3090'],
    ['8xH100', 8, 'H100'],
    ['4xa100-80gb', 4, 'a100-80gb'],
    ['2×4090', 2, '4090'],
  ])('%s: %i of %s', (typed, count, name) => expect(gpuSetParts(typed)).toEqual([{ count, name }]));
  it('a name with an x in it is a name, not a count ("7900 XTX")', () => {
    expect(gpuSetParts('7900 XTX')).toEqual([{ count: null, name: '7900 XTX' }]);
    expect(gpuSetParts('7900xtx')).toEqual([{ count: null, name: '7900xtx' }]);
    expect(resolveCardSet(kb, { gpu: '2x 7900 XTX' })).toMatchObject({ gpu: 'rx-7900-xtx', cards: 2 });
  });
  it('the same card named twice is a set of two', () =>
    expect(resolveCardSet(kb, { gpu: 'rtx-4090, rtx-4090' })).toMatchObject({ gpu: 'rtx-4090', cards: 2, nodes: 1 }));
  it('one card is no set: the request is what it was', () =>
    expect(resolveCardSet(kb, { gpu: 'rtx-4090' })).toEqual({ gpu: 'rtx-4090', vramGiB: null }));
});

describe('the card set', () => {
  it('one card: cards 1, nodes 1, no links (the JSON names them all the same)', async () => {
    expect(await cardOf(['--gpu', 'rtx-4090'])).toMatchObject({ cards: 1, nodes: 1, link: null, nodeLink: null });
  });
  it('two RTX 3090s: PCIe 4.0 x16 by default (the NVLink bridge is an accessory), and a note says how to count it in', async () => {
    const r = await runCli([...ESTIMATE, '--gpu', '2x 3090', '--json']);
    expect(r.code).toBe(0);
    const card = JSON.parse(r.stdout).gpu as CardJson;
    expect(card).toMatchObject({ id: 'rtx-3090', cards: 2, nodes: 1, nodeLink: null });
    expect(card.link).toMatchObject({ kind: 'pcie', GBs: 31.51, peerToPeer: true });
    expect(r.stderr).toMatch(/note: rtx-3090 cards take an NVLink bridge .*--interconnect nvlink/);
  });
  it('--interconnect nvlink: the bridge, 56.25 GB/s per direction (GA102 whitepaper: 112.5 both ways)', async () => {
    const card = await cardOf(['--gpu', '3090', '--gpus', '2', '--interconnect', 'nvlink']);
    expect(card.link).toMatchObject({ kind: 'nvlink', GBs: 56.25 });
  });
  it('SXM cards are on NVLink without asking; --nodes adds the network between nodes', async () => {
    const card = await cardOf(['--gpu', '8x h100-sxm', '--nodes', '2']);
    expect(card).toMatchObject({ cards: 16, nodes: 2 });
    expect(card.link).toMatchObject({ kind: 'nvlink', GBs: 450 });
    expect(card.nodeLink).toMatchObject({ kind: 'network', GBs: 50 });
    const a100 = await cardOf(['--gpu', 'a100-80gb', '--gpus', '8', '--nodes', '4']);
    expect(a100.nodeLink).toMatchObject({ kind: 'network', GBs: 25 }); // DGX A100: HDR 200 Gb/s per GPU
  });
  it('--interconnect pcie on an SXM part (a V100 PCIe shares the SXM2 entry): its PCIe link', async () => {
    const card = await cardOf(['--gpu', 'v100-32gb', '--gpus', '4', '--interconnect', 'pcie']);
    expect(card.link).toMatchObject({ kind: 'pcie', GBs: 15.75 });
  });
  it('GeForce RTX 40 cards: no peer-to-peer, said in the link and the assumptions', async () => {
    const r = await jsonOf<{ gpu: CardJson; assumptions: string[] }>([...ESTIMATE, '--gpu', '2x 4060 ti 16gb']);
    expect(r.gpu.link).toMatchObject({ kind: 'pcie', GBs: 15.75, peerToPeer: false }); // PCIe 4.0 x8
    expect(r.assumptions.join('\n')).toMatch(/no peer-to-peer, so every transfer .* host memory/);
  });
  it('--vram with --gpus: that much memory on each card, the typical card its speed and link', async () => {
    const card = await cardOf(['--vram', '24', '--gpus', '2']);
    expect(card).toMatchObject({ id: null, vramGiB: 24, cards: 2, nodes: 1 });
    expect(card.link?.kind).toBe('pcie');
  });
  it("the text names the set, each card's memory and the links; one card's line is as it was", async () => {
    const set = await runCli([...ESTIMATE, '--gpu', 'h100-sxm', '--gpus', '8', '--nodes', '2']);
    const text = set.stdout.replace(/\s+/g, ' '); // wrapped at the width
    expect(text).toMatch(/16 x NVIDIA H100 80GB HBM3 \(2 nodes of 8\), 79\.6 GiB each; NVLink 4/);
    expect(text).toMatch(/between nodes: InfiniBand NDR 400 Gb\/s/);
    const one = await runCli([...ESTIMATE, '--gpu', 'rtx-4090']);
    expect(one.stdout).toMatch(
      /^Estimate: LoRA \(Low-Rank Adaptation\) on Llama 3\.1 8B, NVIDIA GeForce RTX 4090, 24 GiB\n/,
    );
    expect(one.stdout).not.toMatch(/interconnect/);
  });
  it('recommend takes the set into its answers and names it in the JSON', async () => {
    const r = await jsonOf<{ answers: Record<string, unknown>; gpu: CardJson }>([
      ...RECOMMEND,
      '--gpu',
      '4090',
      '--gpus',
      '2',
    ]);
    expect(r.answers).toMatchObject({ gpu: 'rtx-4090', cards: 2, nodes: 1 });
    expect(r.gpu).toMatchObject({ cards: 2, nodes: 1 });
    expect(r.gpu.link?.kind).toBe('pcie');
  });
  it("recommend's JSON has the strategy each choice takes, as estimate's has it, and the same run", async () => {
    const r = await jsonOf<{ recommendation: ChoiceJson }>(
      splitFlags('recommend --goal task --model qwen2.5-72b --gpu rtx-4090 --gpus 2 --time 2d --json'),
    );
    const choice = r.recommendation;
    expect(choice.strategy).toMatchObject({ id: 'fsdp-qlora-offload', engine: 'fsdp' });
    expect(choice.perCard).toMatchObject({ cards: 2, nodes: 1 });
    expect(choice.communication!.gbPerStep).toBeGreaterThan(0);
    expect(choice.perCard!.peakGiB).toBe(choice.estimates!.vram.peakGiB);
    const e = await jsonOf<EstimateJson>([
      ...splitFlags('estimate --technique qlora --model qwen2.5-72b --gpu rtx-4090 --gpus 2 --json'),
      ...splitFlags(choice.estimateFlags!.join(' ')),
    ]);
    expect({ strategy: e.strategy, perCard: e.perCard, communication: e.communication }).toEqual({
      strategy: choice.strategy,
      perCard: choice.perCard,
      communication: choice.communication,
    });
    const one = await jsonOf<{ recommendation: ChoiceJson }>(
      splitFlags('recommend --goal task --model llama-3.1-8b --gpu rtx-4090 --time 2d --json'),
    );
    expect(one.recommendation).toMatchObject({ strategy: null, perCard: null, communication: null });
  });
  it('recommend names the strategy once and says what each card holds, without --explain (issue 16)', async () => {
    const r = await runCli(splitFlags('recommend --goal task --model qwen2.5-72b --gpu rtx-4090 --gpus 2 --time 2d'));
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toMatch(/VRAM [\d.]+ GiB peak per card of [\d.]+ GiB usable \(FSDP-QLoRA with CPU offload, with /);
    // the 4-bit base's halves, and the host memory they wait in
    expect(text).toMatch(
      /Cards FSDP-QLoRA with CPU offload .*one card would need [\d.]+ GiB .*sharded 2 ways, each card holds [\d.]+ GiB \(the NF4 \(4-bit\) base weights' ([\d.]+) GiB: each card's half \(([\d.]+) GiB\) in host memory/,
    );
    const [, whole, half] = /base weights' ([\d.]+) GiB: each card's half \(([\d.]+) GiB\)/.exec(text)!;
    expect(Number(half)).toBeCloseTo(Number(whole) / 2, 0);
    expect(text).toMatch(/[\d.]+ GiB of host memory per node for what it offloads/);
    // the sharding savers are the strategy, not a list of rungs
    expect(text).not.toMatch(/VRAM[^│]*\(ZeRO-2\)/);
    // one card: no Cards line, the VRAM line as it was
    const one = await runCli(splitFlags('recommend --goal task --model llama-3.1-8b --gpu rtx-4090 --time 2d'));
    expect(one.stdout).not.toMatch(/^Cards /m);
    expect(one.stdout).toMatch(/^VRAM +[\d.]+ GiB peak of /m);
  });
  it("DDP where sharding is not needed says one card holds the run; ZeRO-2 where DDP's buckets would not fit says so", async () => {
    const ddp = (await runCli(splitFlags('recommend --goal chat --model llama-3.1-8b --gpu t4 --gpus 2 --time 12h')))
      .stdout;
    expect(ddp.replace(/\s+/g, ' ')).toMatch(
      /Cards DDP \(everything replicated on every card\): the run fits one card/,
    );
    const zero2 = (
      await runCli(
        splitFlags('recommend --goal domain --model llama-3.1-8b --gpu "8x h100-sxm" --time 2d --priority quality'),
      )
    ).stdout.replace(/\s+/g, ' ');
    expect(zero2).toMatch(
      /Cards DeepSpeed ZeRO-2 .*: DDP would need [\d.]+ GiB per card of [\d.]+ GiB usable \(one card's [\d.]+ GiB and its gradient buckets/,
    );
  });
  it('--host-ram: the host memory offload may use, in the JSON and the words; one card has none to give', async () => {
    const full = [
      'estimate',
      '--technique',
      'full-finetune',
      '--model',
      'llama-3.1-70b',
      '--gpu',
      'rtx-3090',
      '--gpus',
      '2',
    ];
    const assumed = await jsonOf<{ perCard: Record<string, unknown> }>([...full, '--strategy', 'zero3-offload']);
    expect(assumed.perCard).toMatchObject({ hostRamGiBPerNode: 96, hostRamGiven: false });
    const given = await runCli([...full, '--strategy', 'zero3-offload', '--host-ram', '256']);
    expect(given.stdout).toMatch(/the\s+node has 256\.0 GiB \(--host-ram\): NOT ENOUGH/);
    // recommend repeats it in the command that gives the same answer, and plans with it
    const r = await jsonOf<{ answers: Record<string, unknown> }>([
      ...RECOMMEND,
      '--gpu',
      '4090',
      '--gpus',
      '2',
      '--host-ram',
      '128',
    ]);
    expect(r.answers).toMatchObject({ hostGiB: 128 });
    await expectUsageError([...ESTIMATE, '--gpu', '4090', '--host-ram', '64'], /--host-ram .*needs 2 or more cards/);
    await expectUsageError([...ESTIMATE, '--gpu', '4090', '--gpus', '2', '--host-ram', '0'], /--host-ram.*from 1 to/);
    await expectUsageError([...ESTIMATE, '--host-ram', '64'], /--host-ram needs the card/);
  });
  it('check takes the set flags too', async () => {
    const file = new URL('../fixtures/check/sft.yaml', import.meta.url).pathname;
    const r = await runCli(['check', file, '--gpu', 'h100-sxm', '--gpus', '8', '--json']);
    expect(r.code, r.stderr).toBeLessThan(2);
    // --host-ram goes into the estimate it reads the file as
    const host = await runCli(['check', file, '--gpu', 'h100-sxm', '--gpus', '8', '--host-ram', '512', '--json']);
    expect(JSON.parse(host.stdout).equivalent).toMatch(/ --gpus 8 --host-ram 512 /);
  });
});

describe('gpus', () => {
  it("lists each card's link; --json has the catalogue's interconnect and the default link", async () => {
    const text = (await runCli(['gpus'])).stdout;
    expect(text.split('\n')[1]).toMatch(/│ link +│$/);
    expect(text).toMatch(/│ h100-sxm +│.*│ NVLink 4, 450 /); // wrapped at the width
    const list = await jsonOf<Array<{ id: string; interconnect?: unknown; link: LinkJson | null }>>(['gpus']);
    const of = (id: string) => list.find((g) => g.id === id)!;
    expect(of('rtx-3090').interconnect).toEqual({
      pcie: { gen: 4, lanes: 16 },
      nvlink: { generation: 3, GBs: 56.25, via: 'bridge', bridgeCards: 2 },
    });
    expect(of('rtx-3090').link?.kind).toBe('pcie');
    expect(of('h100-sxm').link?.kind).toBe('nvlink');
    expect(of('m2-max').link).toBeNull();
  });
});

describe('links (src/estimate/card.ts)', () => {
  it('PCIe per direction: generation rate x 128b/130b x lanes', () => {
    expect(pcieLink({ gen: 3, lanes: 16 }).GBs).toBe(15.75);
    expect(pcieLink({ gen: 4, lanes: 16 }).GBs).toBe(31.51);
    expect(pcieLink({ gen: 4, lanes: 8 }).GBs).toBe(15.75);
    expect(pcieLink({ gen: 5, lanes: 16 }).GBs).toBe(63.02);
    expect(pcieLink({ gen: 4, lanes: 16 }).label).toBe('PCIe 4.0 x16 (31.5 GB/s per direction)');
  });
  it('the link within a node: on-board NVLink by default, a bridge only when asked', () => {
    expect(linkWithinNode(gpu('h100-sxm'))?.kind).toBe('nvlink');
    expect(linkWithinNode(gpu('h100-pcie'))?.kind).toBe('pcie');
    expect(linkWithinNode(gpu('h100-pcie'), 'nvlink')).toMatchObject({ kind: 'nvlink', GBs: 300 });
    expect(linkWithinNode(gpu('rtx-4090'), 'nvlink')).toBeNull();
    expect(linkWithinNode(gpu('m2-max'))).toBeNull();
  });
  it('between nodes: NDR with Hopper and Blackwell, HDR before', () => {
    expect(nodeNetworkFor(gpu('b200'))).toEqual(NODE_NETWORKS.ndr);
    expect(nodeNetworkFor(gpu('t4'))).toEqual(NODE_NETWORKS.hdr);
  });
  it('resolveCard: one card per node has no link; one node has no network', () => {
    const perNode1 = resolveCard(kb, { gpu: 'h100-sxm', vramGiB: null, cards: 4, nodes: 4 });
    expect(perNode1).toMatchObject({ cards: 4, nodes: 4, link: null });
    expect(perNode1.nodeLink?.kind).toBe('network');
    expect(cardSetName(perNode1)).toBe('4 x NVIDIA H100 80GB HBM3 (4 nodes of 1)');
  });
});

describe('bad input: exit 2, one line naming the flag and what is allowed', () => {
  it.each([
    [['--gpu', '4090', '--gpus', '0'], /--gpus <n>' argument '0' is invalid\. .*1 to 72/],
    [['--gpu', '4090', '--gpus', '1000000'], /--gpus <n>' argument '1000000' is invalid\. .*1 to 72/],
    [['--gpu', '4090', '--gpus', '1.5'], /--gpus <n>' argument '1\.5' is invalid/],
    [['--gpu', '0x 4090'], /--gpu '0x 4090': the count of cards in a node is 1 to 72/],
    [['--gpu', '100x 4090'], /--gpu '100x 4090': the count of cards in a node is 1 to 72/],
    [['--gpu', '2x'], /--gpu '2x' names no card after the count: allowed "COUNTx NAME"/],
    [['--gpu', '2x ,'], /--gpu '2x ,' names no card after the count/],
    [['--gpu', '4090,'], /--gpu '4090,' has an empty part/],
    [['--gpu', '4090', '--nodes', '2'], /--nodes needs the cards in each node: pass --gpus N/],
    [['--gpu', '2x 4090', '--gpus', '4'], /--gpus 4 and --gpu '2x 4090' \(2 cards\) disagree/],
    [['--gpu', '4090,3090'], /--gpu '4090,3090' names different cards \(rtx-4090, rtx-3090\).*one kind/],
    [['--gpu', '1x 4090 + 1x 3090'], /names different cards \(rtx-4090, rtx-3090\)/],
    [['--gpu', '40x 4090 + 40x 4090'], /is 80 cards: a node holds 1 to 72/],
    [['--gpu', 'h100-sxm', '--gpus', '8', '--nodes', '4096'], /32,768 cards: allowed 1 to 16,384 in all/],
    [['--gpu', 'h100-sxm', '--gpus', '8', '--nodes', '100000'], /--nodes <n>' argument '100000' is invalid/],
    [['--gpu', 'm2-max', '--gpus', '2'], /m2-max is Apple silicon's GPU, one to a computer; allowed: 1 card/],
    [['--gpu', '2x rtx-4090-laptop'], /rtx-4090-laptop is a laptop GPU, one to a computer/],
    [
      ['--gpu', '4090', '--gpus', '2', '--interconnect', 'nvlink'],
      /rtx-4090 has no NVLink; allowed: --interconnect pcie/,
    ],
    [['--gpu', '3090', '--gpus', '4', '--interconnect', 'nvlink'], /bridge joins 2 rtx-3090 cards, not 4/],
    [['--gpu', '4090', '--interconnect', 'pcie'], /--interconnect is the link between the cards of a node: it needs 2/],
    [
      ['--vram', '24', '--gpus', '2', '--interconnect', 'nvlink'],
      /--interconnect nvlink with --vram: .*pass --gpu NAME/,
    ],
    [['--gpu', '4090', '--gpus', '2', '--interconnect', 'infiniband'], /Allowed choices are nvlink, pcie/],
    [['--gpus', '2'], /--gpus needs the card: pass --gpu NAME or --vram GB/],
    [['--nodes', '2', '--interconnect', 'pcie'], /--nodes, --interconnect need the card/],
  ])('estimate %j', async (flags, message) => expectUsageError([...ESTIMATE, ...flags], message));

  it.each([
    [['--gpu', '0x 4090'], /the count of cards in a node is 1 to 72/],
    [['--gpu', '4090,3090'], /names different cards/],
    [['--gpu', '4090', '--nodes', '2'], /--nodes needs the cards in each node/],
    [['--gpu', '2x 4090', '--gpus', '3'], /disagree/],
  ])('recommend %j (before any question)', async (flags, message) =>
    expectUsageError([...RECOMMEND, ...flags, '--no-input'], message),
  );

  it('the help names the bounds', async () => {
    const help = (await runCli(['estimate', '--help'])).stdout;
    expect(help).toMatch(/--gpus <n>\s+cards training together in one node, 1 to\s+72/);
    expect(help).toMatch(/16,384 in all/);
    expect(help).toMatch(/--interconnect <link>/);
  });
});
