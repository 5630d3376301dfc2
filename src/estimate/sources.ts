// Where the estimators' formulas and constants come from, listed in every result.
import type { Source } from '../kb/schema.js';

export const ESTIMATE_SOURCES: Source[] = [
  {
    ref: 'huggingface/transformers docs/source/en/model_memory_anatomy.md',
    for: ['bytes per parameter', 'optimizer states'],
    quote:
      'A typical model trained in mixed precision with AdamW requires 18 bytes per model parameter plus activation memory',
  },
  {
    ref: 'EleutherAI, Transformer Math 101',
    url: 'https://blog.eleuther.ai/transformer-math/',
    for: ['training FLOPs 6PD', 'activation recomputation', 'achievable throughput'],
  },
  {
    ref: 'Korthikanti et al., Reducing Activation Recomputation in Large Transformer Models, arXiv 2205.05198',
    url: 'https://arxiv.org/abs/2205.05198',
    for: ['activations per token and layer'],
  },
  {
    ref: 'Dettmers et al., QLoRA, arXiv 2305.14314 §3',
    url: 'https://arxiv.org/abs/2305.14314',
    for: ['NF4 with double quantization: 4.127 bits per parameter'],
  },
  {
    ref: 'Hu et al., LoRA, arXiv 2106.09685',
    url: 'https://arxiv.org/abs/2106.09685',
    for: ['LoRA trainable parameters r x (d_in + d_out)'],
  },
  {
    ref: 'RahulSChand/gpu_poor src/App.js',
    url: 'https://github.com/RahulSChand/gpu_poor',
    for: ['CUDA context ~650 MB'],
  },
  {
    ref: 'hiyouga/LLaMA-Factory wiki, Performance comparison',
    url: 'https://github.com/hiyouga/LLaMA-Factory/wiki/Performance-comparison',
    for: ['language-model utilisation'],
  },
  {
    ref: 'bmaltais/kohya_ss issue #1288',
    url: 'https://github.com/bmaltais/kohya_ss/issues/1288',
    for: ['UNet utilisation (SDXL LoRA 1.23 s/it on RTX 3090)'],
  },
  {
    ref: 'bghira/SimpleTuner documentation/quickstart/FLUX.md',
    for: ['transformer-denoiser utilisation (FLUX LoRA 3.5 s/step at 1024 px on RTX 4090)'],
  },
];
