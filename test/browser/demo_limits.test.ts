/** The demo's fine-tuning bounds (recipes/demo/limits.ts), which the page and the engine both apply. */
import { checkSettings, FINE_TUNE_LIMITS, settingProblem } from '../../recipes/demo/limits.js';

describe('fine-tuning bounds of the demo', () => {
  test('values inside the bounds pass, as numbers', () => {
    expect(checkSettings({ steps: '10', learningRate: '0.001', batchSize: '8' })).toEqual({ steps: 10, learningRate: 0.001, batchSize: 8 });
    expect(checkSettings({ steps: 1000, learningRate: 0.1, batchSize: 64 })).toEqual({ steps: 1000, learningRate: 0.1, batchSize: 64 });
    expect(checkSettings({ steps: ' 1 ', learningRate: '1e-6', batchSize: '1' })).toEqual({ steps: 1, learningRate: 1e-6, batchSize: 1 });
  });

  test.each([
    ['learningRate', '50', /^The learning rate must be a number from 0\.000001 to 0\.1, got 50 \(above 0\.1\)$/],
    ['learningRate', '0', /got 0 \(below 0\.000001\)$/],
    ['learningRate', '-1', /got -1 \(below/],
    ['batchSize', '500', /^The batch size must be an integer from 1 to 64, got 500 \(above 64\)$/],
    ['batchSize', '2.5', /got 2\.5 \(not an integer\)$/],
    ['steps', '', /^Steps must be an integer from 1 to 1000, got ''$/],
    ['steps', ' ', /got ' '$/],
    ['steps', '0x2', /got '0x2'$/],
    ['steps', 'NaN', /got 'NaN'$/],
    ['steps', 'Infinity', /got 'Infinity'$/],
    ['steps', '1001', /\(above 1000\)$/],
  ] as const)('%s = %j is refused, naming the field, the bounds and the value', (field, raw, message) => {
    expect(settingProblem(field, raw)).toMatch(message);
  });

  test('checkSettings names every value out of bounds at once', () => {
    expect(() => checkSettings({ steps: '0', learningRate: '50', batchSize: '500' })).toThrow(
      /^Steps must be .*got 0 \(below 1\); The learning rate must be .*got 50 \(above 0\.1\); The batch size must be .*got 500 \(above 64\)\.$/,
    );
    expect(() => checkSettings({ steps: '0', learningRate: '50', batchSize: '500' })).toThrow(RangeError);
  });

  test('the bounds are the ones the page shows', () => {
    expect(FINE_TUNE_LIMITS.batchSize.max).toBe(64);
    expect(FINE_TUNE_LIMITS.steps.max).toBe(1000);
    expect(FINE_TUNE_LIMITS.learningRate.max).toBe(0.1);
  });
});
