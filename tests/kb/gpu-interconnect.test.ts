// The catalogue's links between the cards of a node (data/gpus.yaml `interconnect`, issue 16):
// every card that can be one of several has one, each part named by a source, and the figures
// that set the estimates apart are where the datasheets put them.
import { describe, expect, it } from 'vitest';

import { bundledKb } from '../helpers.js';

const kb = bundledKb();
const ids = (pred: (g: (typeof kb.gpus)[number]) => boolean) =>
  kb.gpus
    .filter(pred)
    .map((g) => g.id)
    .sort();

describe('gpus.yaml interconnect', () => {
  it('every card has one but a laptop GPU and Apple silicon (one GPU to a computer)', () =>
    expect(ids((g) => !g.interconnect)).toEqual(ids((g) => g.segment === 'laptop' || g.backend === 'mps')));
  it('each part is backed by a source naming it', () => {
    for (const g of kb.gpus.filter((x) => x.interconnect)) {
      const named = g.sources.flatMap((s) => s.for ?? []);
      for (const part of Object.keys(g.interconnect!))
        expect(named, `${g.id}: interconnect.${part}`).toContain(`interconnect.${part}`);
    }
  });
  it('x8: the RTX 4060, 4060 Ti and 5060 Ti (AD106/AD107, GB206); every other card x16', () =>
    expect(ids((g) => g.interconnect?.pcie.lanes === 8)).toEqual([
      'rtx-4060',
      'rtx-4060-ti-16gb',
      'rtx-4060-ti-8gb',
      'rtx-5060-ti-16gb',
    ]));
  it('no peer-to-peer: the GeForce RTX 40 desktop cards', () =>
    expect(ids((g) => g.interconnect?.peerToPeer === false)).toEqual(
      ids((g) => g.generation === 'Ada Lovelace' && g.segment === 'consumer'),
    ));
  it('NVLink on the board (SXM, NVSwitch): V100, A100 SXM4, H100 SXM, H200, B200; per direction', () => {
    const board = Object.fromEntries(
      kb.gpus.filter((g) => g.interconnect?.nvlink?.via === 'board').map((g) => [g.id, g.interconnect!.nvlink!.GBs]),
    );
    expect(board).toEqual({
      'v100-16gb': 150,
      'v100-32gb': 150,
      'a100-40gb': 300,
      'a100-80gb': 300,
      'h100-sxm': 450,
      h200: 450,
      b200: 900,
    });
  });
  it('NVLink over a bridge between two cards (opt-in): RTX 2080 Ti, RTX 3090, RTX A6000, A40, A100 PCIe, H100 PCIe / NVL', () =>
    expect(ids((g) => g.interconnect?.nvlink?.via === 'bridge')).toEqual([
      'a100-40gb-pcie',
      'a40',
      'a6000',
      'h100-nvl',
      'h100-pcie',
      'rtx-2080-ti',
      'rtx-3090',
    ]));
});
