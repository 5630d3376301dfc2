// The answers a recommendation is made from: filled by flags or prompts, validated before the engine.
import type { DataInput } from '../estimate/data.js';
import type { Trainer } from '../kb/types.js';
import type {
  Goal,
  Interconnect,
  Objective,
  Optimizer,
  Precision,
  Priority,
  Quantization,
  Targets,
} from '../kb/vocabulary.js';

export interface Answers {
  goal: Goal;
  /** model id (resolved from whatever name the user typed) */
  model: string;
  /** GPU id, or null when only the memory is known */
  gpu: string | null;
  /** card memory in GiB when no GPU is named (or to override a named card's); with several cards, each card's */
  vramGiB: number | null;
  /** cards training together, every node counted (absent: one card) */
  cards?: number;
  /** nodes the cards are spread over, cards / nodes in each (absent: one node) */
  nodes?: number;
  /** the link between a node's cards the user asked for over the catalogue's (absent: the catalogue's) */
  interconnect?: Interconnect;
  /** host memory of each node, GiB (--host-ram; absent: the rule of thumb, src/estimate/card.ts hostMemoryOf) */
  hostGiB?: number;
  timeHours: number;
  priority: Priority;
  /** optional overrides of the typical run */
  resolution?: number;
  /** the sample's width when not square (null: a square of side `resolution`); with resolution */
  width?: number | null;
  /** frames per clip (video models) */
  frames?: number;
  seqLen?: number;
  steps?: number;
  /** a quantized frozen base the user fixed (applies to adapter techniques) */
  quantize?: Quantization;
  /** settings the user fixed, where a technique has them (rank and targets: adapters); no memory saver changes them */
  rank?: number;
  /** LoKr's Kronecker factor */
  factor?: number;
  targets?: Targets;
  batch?: number;
  gradAccum?: number;
  optimizer?: Optimizer;
  precision?: Precision;
  gradientCheckpointing?: boolean;
  /** class images for a subject (DreamBooth prior preservation); absent: the planner's choice */
  priorPreservation?: boolean;
  /** the user's data, when they gave its size: the steps follow from it */
  data?: DataInput;
  /**
   * the trainer the runs are planned for (its defaults go over each recipe, its savers are the
   * planner's to use), and whether the user named it (else it is the family's default); absent:
   * none (the recipes as published)
   */
  trainer?: Trainer | null;
  trainerGiven?: boolean;
  /**
   * what a language model's runs train for (--objective, else the goal's: GOAL_OBJECTIVE), and
   * whether the user named it; absent for image goals
   */
  objective?: Objective;
  objectiveGiven?: boolean;
}
