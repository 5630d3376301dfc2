// Video models (a transformer denoiser over the latent frames of a 3-D VAE, with text encoders):
// the diffusion arithmetic of image models (diffusion.ts) over a clip's latent pixels, frames x
// height x width. Pure.
import { groupThousands } from '../../format.js';
import type { VideoModel } from '../../kb/types.js';
import type { TrainingSettings } from '../settings.js';
import { diffusionArithmetic, diffusionSizeLabel, encodersAssumption, scaledDiffusion } from './diffusion.js';
import type { ModelKind } from './kind.js';

/**
 * Latent frames of a clip: the causal 3-D VAE encodes the first frame alone and each `frames`
 * frames after it into one latent frame, dropping a remainder (Wan-Video/Wan2.1 wan/modules/vae.py
 * WanVAE_.encode: `iter_ = 1 + (t - 1) // 4`; 81 frames -> 21, 75 -> 19).
 */
export const latentFrames = (model: VideoModel, frames: number) => 1 + Math.floor((frames - 1) / model.latent.frames);

/** The run's clip: height, width (pixels) and frames, the model's native clip where the run names none. */
function clip(model: VideoModel, s: TrainingSettings) {
  const height = s.resolution ?? model.nativeSize.height;
  // --resolution PX is a square clip (width null); the native size when nothing was given
  const width = s.width ?? (s.resolution === null ? model.nativeSize.width : height);
  return { height, width, frames: s.frames ?? model.nativeFrames };
}

/** Latent pixels of one clip: latent frames x (height / downscale) x (width / downscale). */
export function clipLatentPixels(model: VideoModel, s: TrainingSettings): number {
  const c = clip(model, s);
  return (latentFrames(model, c.frames) * c.height * c.width) / model.latent.downscale ** 2;
}

/**
 * The latent tokens one clip is to the denoiser's blocks (its first block group's patch); a joint-
 * attention denoiser's blocks see the text tokens beside them (blockTokens).
 */
export function clipTokens(model: VideoModel, s: TrainingSettings): number {
  return clipLatentPixels(model, s) * model.components.denoiser.blocks[0]!.tokensPerLatentPixel;
}

/**
 * The side of the denoiser's spatial patch in latent pixels: 2 for the 1 x 2 x 2 patch of Wan and
 * HunyuanVideo (0.25 tokens per latent pixel), 1 for LTX-Video's patch_size 1.
 */
export const patchSide = (model: VideoModel) =>
  Math.round(1 / Math.sqrt(model.components.denoiser.blocks[0]!.tokensPerLatentPixel));

const { forwardFlopsPerSample: _perSample, ...arithmetic } = diffusionArithmetic(clipLatentPixels);

export const VIDEO_KIND: ModelKind<VideoModel> = {
  ...arithmetic,
  description: 'a video model',
  sizeLabel: diffusionSizeLabel,
  adjective: 'video',

  // the video trainers train in bf16 (musubi-tuner --mixed_precision bf16, SimpleTuner bf16)
  defaultPrecision: 'mixed-bf16',
  hasFrames: true,
  // a side the VAE's downscale and the patch do not divide cannot be patchified (Wan: 8 x 2 = 16 px,
  // LTX-Video: 32 x 1 = 32 px)
  resolutionStep: (model) => model.latent.downscale * patchSide(model),
  runShape: (model, recipe) => ({
    resolution: model.nativeSize.height,
    width: model.nativeSize.width,
    seqLen: null,
    frames: recipe.frames ?? model.nativeFrames,
  }),

  // no class images: prior preservation is an image recipe
  classImageWork: () => null,
  // a clip is tens of thousands of latent tokens: the step's throughput is counted in them
  throughputUnit: 'tokensPerSecond',
  throughputPerStep: (model, s) => arithmetic.samplesPerStep(s) * clipTokens(model, s),

  assumptions: (model, s) => {
    const c = clip(model, s);
    const tokens = clipTokens(model, s);
    const patch = patchSide(model);
    const d = model.components.denoiser;
    const joint = d.kind === 'mmdit' ? ` with the ${d.textTokens} text tokens` : '';
    return [
      `a clip of ${c.frames} frames at ${c.width}x${c.height}: ${latentFrames(model, c.frames)} latent frames of ${c.height / model.latent.downscale}x${c.width / model.latent.downscale}, ${groupThousands(Math.round(tokens))} latent tokens (VAE ${model.latent.frames}x${model.latent.downscale}x${model.latent.downscale}, ${patch}x${patch} patches); attention runs over all of them${joint}`,
      encodersAssumption(s),
      'the batch counts clips through the denoiser per step',
    ];
  },

  scalingTemplates: (models) => models.filter((m): m is VideoModel => m.family === 'video'),
  scaled: (template, billions, identity) => scaledDiffusion(template, billions, identity, 'video'),
};
