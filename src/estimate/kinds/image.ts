// Image models (a UNet or transformer denoiser with text encoders and a VAE): the diffusion
// arithmetic (diffusion.ts) over an image's latent pixels, class images for prior preservation.
// Pure.
import type { ImageModel } from '../../kb/types.js';
import type { TrainingSettings } from '../settings.js';
import {
  diffusionArithmetic,
  diffusionSizeLabel,
  encodersAssumption,
  moeAssumptions,
  scaledDiffusion,
} from './diffusion.js';
import type { ModelKind } from './kind.js';

export {
  AUTOCAST_NORM_SHARE,
  DEFAULT_HEAD_DIM,
  imageEagerScoreBytes,
  textEmbeddingWidths,
  UNET_RESNET_SHARE,
} from './diffusion.js';

/** Latent pixels of an image: its side (or width x height) over the VAE's downscale. */
export function latentPixels(model: ImageModel, s: TrainingSettings): number {
  const height = s.resolution ?? model.nativeResolution;
  return ((s.width ?? height) * height) / model.latent.downscale ** 2;
}

const { forwardFlopsPerSample, ...arithmetic } = diffusionArithmetic(latentPixels);

export const IMAGE_KIND: ModelKind<ImageModel> = {
  ...arithmetic,
  description: 'an image model',
  // by the denoiser: FLUX is "12 B", not 16.9 B with its text encoders
  sizeLabel: diffusionSizeLabel,
  adjective: 'image',

  // diffusers --mixed_precision fp16
  defaultPrecision: 'mixed-fp16',
  hasFrames: false,
  // the image trainers' bucket step: kohya-ss/sd-scripts `--bucket_reso_steps` (default 64,
  // library/train_util.py) and SimpleTuner `--aspect_bucket_alignment` (default 64)
  resolutionStep: () => 64,
  runShape: (model, recipe) => ({
    resolution: recipe.resolution ?? model.nativeResolution,
    width: null,
    seqLen: null,
    frames: null,
  }),

  // classifier-free guidance runs the denoiser on the prompt and on the empty prompt at every step
  classImageWork: (model, s) =>
    model.sampling
      ? {
          flops: forwardFlopsPerSample(model, s),
          evaluations: model.sampling.steps * (model.sampling.guidance === 'cfg' ? 2 : 1),
        }
      : null,
  throughputUnit: 'imagesPerSecond',
  throughputPerStep: (_model, s) => arithmetic.samplesPerStep(s),

  assumptions: (model, s) => {
    const out = [encodersAssumption(s), ...moeAssumptions(model, s)];
    if (s.priorPreservation)
      out.push('prior preservation: one class image per instance image, so twice the samples per step');
    else
      out.push(
        'the batch counts every image through the denoiser per step (class images included; --prior-preservation adds one per instance image)',
      );
    return out;
  },

  scalingTemplates: (models) => models.filter((m): m is ImageModel => m.family === 'image'),
  scaled: (template, billions, identity) => scaledDiffusion(template, billions, identity, 'image'),
};
