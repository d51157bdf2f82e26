import { tf } from '../../src/backend/tf.js';
import { Add, Multiply } from '../../src/combinators/arithmetic.js';
import { Branch } from '../../src/combinators/branch.js';
import { Concatenate, Split } from '../../src/combinators/concatenate.js';
import { Parallel } from '../../src/combinators/parallel.js';
import { Residual } from '../../src/combinators/residual.js';
import { Drop, Dup, Select, Swap } from '../../src/combinators/select.js';
import { Serial } from '../../src/combinators/serial.js';
import { Fn } from '../../src/core/fn.js';
import { LayerError } from '../../src/core/layer_error.js';
import { shapeDtype } from '../../src/core/stack.js';
import type { Tensor } from '../../src/core/types.js';
import { describeOnBackends } from '../helpers/backends.js';

const t = (v: number[]) => tf.tensor(v);
const vals = (x: unknown) => (Array.isArray(x) ? x.map((y: Tensor) => Array.from(y.dataSync())) : Array.from((x as Tensor).dataSync()));
const addOne = () => Fn('AddOne', (x) => x.add(1));
const timesTen = () => Fn('TimesTen', (x) => x.mul(10));

describeOnBackends('stack semantics', () => {
  test('Serial(Dup(), Add()) doubles its input and is 1 -> 1', () => {
    const layer = Serial(Dup(), Add());
    expect([layer.nIn, layer.nOut]).toEqual([1, 1]);
    expect(vals(layer.call(t([1, 2, 3])))).toEqual([2, 4, 6]);
  });

  test("Serial's arity is the running maximum of items needed", () => {
    expect([Serial(Add(), Add()).nIn, Serial(Add(), Add()).nOut]).toEqual([3, 1]);
    expect([Serial(Dup(), Dup()).nIn, Serial(Dup(), Dup()).nOut]).toEqual([1, 3]);
    expect([Serial(Drop(), Drop()).nIn, Serial(Drop(), Drop()).nOut]).toEqual([2, 0]);
    expect([Serial().nIn, Serial().nOut]).toEqual([1, 1]);
    const abc = Serial(Add(), Multiply());
    // (1 + 2) * 4
    expect(vals(abc.call([t([1]), t([2]), t([4])]))).toEqual([12]);
  });

  test('surplus items below a sublayer pass through untouched', () => {
    const layer = Serial(addOne(), Swap(), timesTen());
    expect([layer.nIn, layer.nOut]).toEqual([2, 2]);
    // a, b -> a+1, b -> b, a+1 -> 10b, a+1
    expect(vals(layer.call([t([1]), t([2])]))).toEqual([[20], [2]]);
  });

  test('Residual(F) is 1 -> 1 and adds the input', () => {
    const layer = Residual(timesTen());
    expect([layer.nIn, layer.nOut]).toEqual([1, 1]);
    expect(vals(layer.call(t([1, 2])))).toEqual([11, 22]);
    const withShortcut = Residual(timesTen(), { shortcut: addOne() });
    expect(vals(withShortcut.call(t([1, 2])))).toEqual([12, 23]);
  });

  test('Branch(A, B) gives both the same input', () => {
    const layer = Branch(addOne(), timesTen());
    expect([layer.nIn, layer.nOut]).toEqual([1, 2]);
    expect(vals(layer.call(t([3])))).toEqual([[4], [30]]);
    const wide = Branch(Add(), timesTen());
    expect([wide.nIn, wide.nOut]).toEqual([2, 2]);
    expect(vals(wide.call([t([1]), t([2])]))).toEqual([[3], [10]]);
  });

  test('Select([0, 0, 1]) copies and reorders', () => {
    const layer = Select([0, 0, 1]);
    expect([layer.nIn, layer.nOut]).toEqual([2, 3]);
    expect(vals(layer.call([t([1]), t([2])]))).toEqual([[1], [1], [2]]);
    const dropSecond = Select([0, 2], 3);
    expect(vals(dropSecond.call([t([1]), t([2]), t([3])]))).toEqual([[1], [3]]);
  });

  test('Dup, Swap, Drop', () => {
    expect(vals(Dup().call(t([5])))).toEqual([[5], [5]]);
    expect(vals(Swap().call([t([1]), t([2])]))).toEqual([[2], [1]]);
    expect(Drop().call(t([1]))).toEqual([]);
    expect(vals(Serial(Drop(), addOne()).call([t([1]), t([2])]))).toEqual([3]);
  });

  test('Parallel applies layers to consecutive spans; null passes through', () => {
    const layer = Parallel(addOne(), Add(), null);
    expect([layer.nIn, layer.nOut]).toEqual([4, 3]);
    expect(vals(layer.call([t([1]), t([2]), t([3]), t([4])]))).toEqual([[2], [5], [4]]);
  });

  test('Fn takes nIn from the function arity', () => {
    const f = Fn('SumDiff', (a, b) => [a.add(b), a.sub(b)], 2);
    expect([f.nIn, f.nOut]).toEqual([2, 2]);
    expect(vals(f.call([t([5]), t([3])]))).toEqual([[8], [2]]);
  });

  test('Concatenate and Split are inverse', () => {
    const layer = Serial(Split(2, -1), Swap(), Concatenate());
    const x = tf.tensor([[1, 2, 3, 4]]);
    expect(layer.call(x) as Tensor).toBeInstanceOf(tf.Tensor);
    expect((layer.call(x) as Tensor).arraySync()).toEqual([[3, 4, 1, 2]]);
    const { outputSignature } = layer.init(shapeDtype([5, 4]));
    expect(outputSignature).toEqual(shapeDtype([5, 4]));
  });

  test('init infers output signatures through the stack', () => {
    const layer = Serial(
      Dup(),
      Parallel(
        Fn('Sum0', (x) => x.sum(0)),
        null,
      ),
    );
    const { outputSignature } = layer.init(shapeDtype([3, 4]));
    expect(outputSignature).toEqual([shapeDtype([4]), shapeDtype([3, 4])]);
  });

  test('an error names the path of the failing layer and its input shapes', () => {
    const bad = Fn('Bad', (a, b) => a.add(b));
    const model = Serial(
      addOne(),
      Serial(
        Dup(),
        Fn('Reshape', (x) => x.reshape([7])),
        bad,
      ),
    );
    let caught: unknown;
    try {
      model.init(shapeDtype([2, 3]));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LayerError);
    expect((caught as LayerError).path).toEqual(['Serial', '1', 'Serial', '1', 'Reshape']);
    expect((caught as Error).message).toMatch(/init failed in layer Serial\/1\/Serial\/1\/Reshape with inputs \(float32\[2,3\]\)/);
  });

  test('a wrong number of inputs is refused with a clear message', () => {
    expect(() => Add().call(t([1]))).toThrow(/layer Add .*expected an array of 2 input/);
  });

  test('toString prints the tree as Trax does', () => {
    const model = Serial(Dup(), Parallel(addOne(), null), Add());
    expect(model.toString()).toBe(
      ['Serial[', '  Dup_out2', '  Parallel_in2_out2[', '    AddOne', '    Serial', '  ]', '  Add_in2', ']'].join('\n'),
    );
  });
});
