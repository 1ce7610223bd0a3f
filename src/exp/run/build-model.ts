import { UserError } from '../../core/errors.js';
import type { Model } from '../../nn/model.js';
import { duConvResNet } from '../../nn/models/conv-resnet.js';
import { duFc } from '../../nn/models/du-fc.js';
import { duTwoLayer } from '../../nn/models/du-two-layer.js';
import { mlp } from '../../nn/models/mlp.js';
import { duResNet } from '../../nn/models/resnet.js';
import { shallowRelu } from '../../nn/models/shallow-relu.js';
import { mlpHiddenWidths, type ModelSpec } from '../spec/schema.js';

/**
 * The network of a resolved `model` section (exp/spec/schema-model.ts) for data with `inputDim`
 * features and `targetDim` target columns (`outputs: 'auto'` takes targetDim). `inputShape` is the
 * data set's own layout of a row ([channels, …spatial], e.g. mnist [1, 28, 28]) for conv models.
 */
export function buildModel(spec: ModelSpec, inputDim: number, targetDim: number, inputShape?: readonly number[]): Model {
  const k = (o: number | 'auto' | undefined): number => (o === undefined || o === 'auto' ? targetDim : o);
  switch (spec.arch) {
    case 'mlp':
      return mlp({
        sizes: [inputDim, ...mlpHiddenWidths(spec), k(spec.outputs)],
        activation: spec.activation,
        leakyAlpha: spec.leakyAlpha,
        parametrization: spec.parametrization,
        sigmaW: spec.sigmaW,
        sigmaB: spec.sigmaB,
        bias: spec.bias,
      });
    case 'shallow-relu':
      return shallowRelu({ inputDim, width: spec.width, outputs: k(spec.outputs), parametrization: spec.parametrization, sigmaW: spec.sigmaW, sigmaB: spec.sigmaB });
    case 'resnet-du':
      return duResNet({ inputDim, width: spec.width, depth: spec.depth, activation: spec.activation, cRes: spec.cRes, outputs: k(spec.outputs) });
    case 'du-fc':
      return duFc({ inputDim, width: spec.width, depth: spec.depth, activation: spec.activation, outputs: k(spec.outputs) });
    case 'du-two-layer':
      if (targetDim !== 1) throw new UserError(`model.arch: du-two-layer has one output but the data has ${targetDim} target columns; use mlp or a regression data set`);
      return duTwoLayer({ inputDim, width: spec.width, activation: spec.activation, trainReadout: spec.trainReadout });
    case 'conv-resnet-du': {
      const shape = spec.inputShape ?? inputShape ?? [1, inputDim];
      const size = shape.reduce((a, b) => a * b, 1);
      if (size !== inputDim) throw new UserError(`model.inputShape: [${shape.join(', ')}] holds ${size} values but a data row has ${inputDim}; give the channel-major layout of a row`);
      const [channels, ...spatial] = shape as [number, ...number[]];
      return duConvResNet({
        inputChannels: channels,
        ...(spatial.length === 1 ? { length: spatial[0]! } : { height: spatial[0]!, imageWidth: spatial[1]! }),
        width: spec.width,
        depth: spec.depth,
        patch: spec.patch,
        activation: spec.activation,
        leakyAlpha: spec.leakyAlpha,
        cRes: spec.cRes,
        outputs: k(spec.outputs),
      });
    }
  }
}
