// The training objectives of a language-model run as a table: what one sample of a micro-batch
// runs through the network besides supervised fine-tuning's one sequence. The memory and time
// models read these traits, never an objective's name, so an objective is one record here. Pure.
// Read from TRL's trainers (huggingface/trl at f2cd5771, v1.10.0.dev0; https://huggingface.co/docs/trl):
// - DPOTrainer (trl/trainer/dpo_trainer.py, DataCollatorForPreference): `input_ids =
//   prompt_chosen_ids + prompt_rejected_ids`, one forward over both halves; `precompute_ref_log_probs`
//   default False; the reference: "If PEFT is used, the reference model is not needed since the
//   adapter can be disabled to revert to the initial model", else `create_model_from_path` loads a
//   second copy with the policy's `model_init_kwargs` (its dtype). DPO paper: arXiv 2305.18290.
// - ORPOTrainer (trl/experimental/orpo): `concatenated_forward` over chosen and rejected, no
//   reference model ("without a reference model", arXiv 2403.07691).
// - KTOTrainer (trl/trainer/kto_trainer.py): one labelled completion per example (unpaired, arXiv
//   2402.01306); with the default loss_type "kto" the KL term's mismatched completion runs through
//   the policy under torch.no_grad (`_compute_kl_logps`) and, like the completion, through the
//   reference (`compute_ref_log_probs`); the reference as DPO's.
// - GRPOTrainer (trl/trainer/grpo_config.py): `num_generations` default 8, `max_completion_length`
//   default 512, `beta` default 0.0: "If `0.0` (default), the reference model is not loaded";
//   `generation_batch_size` defaults to per_device_train_batch_size x steps_per_generation (=
//   gradient_accumulation_steps): one generation batch per optimizer step, with transformers'
//   generate unless use_vllm (default False). GRPO paper: arXiv 2402.03300.
import type { Objective } from '../kb/vocabulary.js';

/** TRL GRPOConfig `num_generations` default: completions sampled per prompt. */
export const GRPO_GENERATIONS = 8;
/** TRL GRPOConfig `max_completion_length` default, in tokens. */
export const GRPO_COMPLETION_TOKENS = 512;

export interface ObjectiveTraits {
  /** TRL's trainer for it */
  trainer: string;
  /** what one example of the data is */
  example: string;
  /** sequences one sample of a micro-batch runs forward and backward with gradients (DPO, ORPO: chosen and rejected) */
  trainedSequences: number;
  /** training samples one example of the data gives (GRPO: its completions per prompt) */
  samplesPerExample: number;
  /** forwards without gradient per sample through the policy itself (KTO's KL completion) */
  policyForwards: number;
  /**
   * the reference model's log-probs: forwards without gradient per sample through it; with an
   * adapter it is the base with the adapters disabled, with full fine-tuning a second frozen copy
   * of the weights. Null: no reference (ORPO; GRPO at its default beta 0.0)
   */
  reference: { forwards: number } | null;
  /** completions sampled before each optimizer step (GRPO): tokens per completion; null: none */
  generation: { completionTokens: number } | null;
  /** the least micro-batch the trainer runs (KTO's KL term pairs the completions within one) */
  minBatch: number;
}

const SFT_LIKE = {
  trainedSequences: 1,
  samplesPerExample: 1,
  policyForwards: 0,
  reference: null,
  generation: null,
  minBatch: 1,
};

/** One record per objective; the compiler keeps the table exhaustive. */
export const OBJECTIVE_TRAITS: Readonly<Record<Objective, ObjectiveTraits>> = {
  sft: { ...SFT_LIKE, trainer: 'SFTTrainer', example: 'an example' },
  dpo: {
    ...SFT_LIKE,
    trainer: 'DPOTrainer',
    example: 'a preference pair (prompt, chosen, rejected)',
    trainedSequences: 2,
    // the reference's log-probs of the chosen and the rejected sequence
    reference: { forwards: 2 },
  },
  orpo: {
    ...SFT_LIKE,
    trainer: 'ORPOTrainer',
    example: 'a preference pair (prompt, chosen, rejected)',
    trainedSequences: 2,
  },
  kto: {
    ...SFT_LIKE,
    trainer: 'KTOTrainer',
    example: 'one completion labelled desirable or not (unpaired)',
    policyForwards: 1,
    // the completion and the KL term's mismatched completion
    reference: { forwards: 2 },
    // "Actual (not effective) batch size must be > 1. KTO will not work properly because the KL
    // term will be equivalent to the implied reward." (KTOTrainer, with loss_type "kto")
    minBatch: 2,
  },
  grpo: {
    ...SFT_LIKE,
    trainer: 'GRPOTrainer',
    example: 'a prompt',
    samplesPerExample: GRPO_GENERATIONS,
    generation: { completionTokens: GRPO_COMPLETION_TOKENS },
  },
};
