// A card set in JSON, as estimate and recommend print it: how many cards, on how many nodes, over which links.
import type { Card, Link } from '../estimate/card.js';

/** How many cards train together, on how many nodes, over which links (link null: one card in a node; nodeLink null: one node). */
export interface CardLinksJson {
  cards: number;
  nodes: number;
  link: LinkJson | null;
  nodeLink: LinkJson | null;
}
export interface LinkJson {
  kind: Link['kind'];
  /** nominal GB/s per card and direction */
  GBs: number;
  label: string;
  /** false: no peer-to-peer over PCIe (staged through host memory) */
  peerToPeer: boolean;
}
export const linkJson = (l: Link | null): LinkJson | null =>
  l ? { kind: l.kind, GBs: l.GBs, label: l.label, peerToPeer: l.peerToPeer !== false } : null;

export function cardLinksJson(card: Card): CardLinksJson {
  return { cards: card.cards, nodes: card.nodes, link: linkJson(card.link), nodeLink: linkJson(card.nodeLink) };
}
