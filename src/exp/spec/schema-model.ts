import { z } from 'zod';
import { ACTIVATIONS } from '../../nn/activation.js';
import { DEFAULT_C_RES } from '../../nn/models/resnet.js';
import { PARAMETRIZATIONS } from '../../nn/parametrization.js';
import { bool, expected, line, nonNegNumber, outputs, posInt, posNumber } from './fields.js';

/**
 * The `model` section: one variant per architecture of src/nn/models, discriminated by `arch`. The
 * input dimension always comes from the data; `outputs: 'auto'` from the data's target columns.
 * Defaults of the Du et al. networks follow the papers (smooth softplus, c_res = 0.5).
 *
 * MLP depth: give `widths` (one entry per hidden layer) or `width` + `depth`, not both. When neither
 * is given the resolved spec holds width = 256, depth = 1 (resolveSpec; `mlpHiddenWidths`).
 */
export const MLP_DEFAULT_WIDTH = 256;
export const MLP_DEFAULT_DEPTH = 1;

const activation = (dflt: (typeof ACTIVATIONS)[number]) => z.enum(ACTIVATIONS).default(dflt).describe('Activation σ of the hidden layers (nn/activation.ts).');
const leakyAlpha = () => nonNegNumber().default(0.01).describe('Slope of leaky-relu for x < 0 (used only with activation leaky-relu).');
const width = (dflt: number, what = 'Width m of the hidden layers.') => posInt().default(dflt).describe(what);
const depth = (dflt: number, what: string) => posInt().default(dflt).describe(what);
const parametrization = () => z.enum(PARAMETRIZATIONS).default('standard').describe('Parametrization of every dense layer (nn/parametrization.ts): standard, ntk, mup or meanfield.');
const sigmaW = () => posNumber().default(1).describe('Weight standard deviation σ_w (not the variance).');
const sigmaB = () => nonNegNumber().default(0).describe('Bias standard deviation σ_b (not the variance).');
const cRes = () => posNumber().default(DEFAULT_C_RES).describe('Residual scale c_res of Du et al. (branch multiplier c_res/(H√m)).');

export const MlpModel = z
  .strictObject({
    arch: z.literal('mlp').default('mlp').describe('Multi-layer perceptron f = W^L σ(… σ(W¹x + b¹) …) + b^L (nn/models/mlp.ts).'),
    widths: z
      .array(posInt(), expected('a non-empty list of positive integers'))
      .min(1, expected('a non-empty list of positive integers'))
      .optional()
      .describe('Hidden widths [n₁, …, n_{L−1}], one per hidden layer. Exclusive with width/depth.'),
    width: posInt().optional().describe(`Width of every hidden layer (default ${MLP_DEFAULT_WIDTH} when widths is not given).`),
    depth: posInt().optional().describe(`Number of hidden layers (default ${MLP_DEFAULT_DEPTH} when widths is not given).`),
    activation: activation('relu'),
    leakyAlpha: leakyAlpha(),
    parametrization: parametrization(),
    sigmaW: sigmaW(),
    sigmaB: sigmaB(),
    bias: bool().default(true).describe('Biases on every layer.'),
    outputs: outputs(),
  })
  .superRefine((v, ctx) => {
    if (v.widths !== undefined && (v.width !== undefined || v.depth !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [v.width !== undefined ? 'width' : 'depth'], message: line('give either widths or width + depth, not both') });
    }
  });

export const ShallowReluModel = z.strictObject({
  arch: z.literal('shallow-relu').describe('Shallow ReLU network f(x) = Σᵢ aᵢ relu(wᵢ·x + bᵢ) + c of Berner et al. 2019 (nn/models/shallow-relu.ts).'),
  width: width(MLP_DEFAULT_WIDTH, 'Number m of hidden units.'),
  parametrization: parametrization(),
  sigmaW: sigmaW(),
  sigmaB: sigmaB(),
  outputs: outputs(),
});

export const ResNetDuModel = z.strictObject({
  arch: z.literal('resnet-du').describe('Deep ResNet of Du, Lee, Li, Wang & Zhai (ICML 2019) §6 (nn/models/resnet.ts).'),
  width: width(MLP_DEFAULT_WIDTH),
  depth: depth(2, 'Number H of layers (1 input layer + H − 1 residual blocks).'),
  activation: activation('softplus'),
  cRes: cRes(),
  outputs: outputs(),
});

export const DuFcModel = z.strictObject({
  arch: z.literal('du-fc').describe('Deep fully connected network of Du et al. (ICML 2019) §5 with √(c_σ/m) scaling (nn/models/du-fc.ts).'),
  width: width(MLP_DEFAULT_WIDTH),
  depth: depth(2, 'Number H of hidden layers.'),
  activation: activation('softplus'),
  outputs: outputs(),
});

export const DuTwoLayerModel = z.strictObject({
  arch: z.literal('du-two-layer').describe('Two-layer ReLU network of Du, Zhai, Póczos & Singh (ICLR 2019), f = (1/√m) Σ a_r σ(w_rᵀx), one output (nn/models/du-two-layer.ts).'),
  width: width(MLP_DEFAULT_WIDTH, 'Number m of hidden units.'),
  activation: activation('relu'),
  trainReadout: bool().default(false).describe('Train the ±1 readout a as well (the paper keeps it fixed).'),
});

const SHAPE = expected('a list [channels, length] or [channels, height, width] of positive integers');

export const ConvResNetDuModel = z.strictObject({
  arch: z.literal('conv-resnet-du').describe('Convolutional ResNet of Du et al. (ICML 2019) §7 (nn/models/conv-resnet.ts).'),
  width: width(16, 'Number m of hidden channels.'),
  depth: depth(2, 'Number H of layers (1 input layer + H − 1 residual blocks).'),
  patch: posInt().default(3).describe('Patch size q (q×q for images), stride 1, zero padding.'),
  activation: activation('softplus'),
  leakyAlpha: leakyAlpha(),
  cRes: cRes(),
  inputShape: z
    .array(posInt(), SHAPE)
    .min(2, SHAPE)
    .max(3, SHAPE)
    .optional()
    .describe('How an input row is laid out: [channels, length] or [channels, height, width], channel-major. Default: the shape the data set reports (mnist: [1, 28, 28]), else [1, d].'),
  outputs: outputs(),
});

export const ModelSpec = z
  .discriminatedUnion('arch', [MlpModel, ShallowReluModel, ResNetDuModel, DuFcModel, DuTwoLayerModel, ConvResNetDuModel])
  .prefault({})
  .describe(`The network. Default: an MLP with one hidden layer of width ${MLP_DEFAULT_WIDTH}, relu, standard parametrization.`);

export type ModelSpec = z.output<typeof ModelSpec>;
export type ArchName = ModelSpec['arch'];
export type MlpModelSpec = z.output<typeof MlpModel>;

/** The hidden widths of a resolved MLP spec: `widths`, or `depth` copies of `width`. */
export function mlpHiddenWidths(m: MlpModelSpec): number[] {
  return m.widths ? [...m.widths] : Array.from({ length: m.depth ?? MLP_DEFAULT_DEPTH }, () => m.width ?? MLP_DEFAULT_WIDTH);
}
