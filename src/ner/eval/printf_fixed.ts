/**
 * C's `printf("%W.Pf")` for doubles, digit for digit: the exact binary value is rounded to P decimals with ties
 * to even (as glibc does, and so Perl's printf). `Number.prototype.toFixed` rounds ties away from zero instead,
 * which differs for values such as 0.0078125 at 6 decimals.
 */

const FLOAT_VIEW = new DataView(new ArrayBuffer(8));

/** `value` (finite, non-negative) as `mantissa * 2 ** exponent` with an integer mantissa. */
function decompose(value: number): { mantissa: bigint; exponent: number } {
  FLOAT_VIEW.setFloat64(0, value);
  const high = FLOAT_VIEW.getUint32(0);
  const low = FLOAT_VIEW.getUint32(4);
  const biasedExponent = (high >>> 20) & 0x7ff;
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  return biasedExponent === 0
    ? { mantissa: fraction, exponent: -1074 }
    : { mantissa: fraction | (1n << 52n), exponent: biasedExponent - 1075 };
}

/**
 * Formats like C's `printf("%{width}.{decimals}f", value)`: right-aligned in `width` characters (never cut).
 * @public
 */
export function printfFixed(value: number, decimals: number, width = 0): string {
  if (!Number.isInteger(decimals) || decimals < 0)
    throw new RangeError(`printfFixed: decimals must be a non-negative integer, got ${decimals}`);
  if (!Number.isFinite(value)) return (Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf').padStart(width);
  const negative = value < 0 || Object.is(value, -0);
  const { mantissa, exponent } = decompose(Math.abs(value));
  const scaled = mantissa * 10n ** BigInt(decimals);
  let digits: bigint;
  if (exponent >= 0) {
    digits = scaled << BigInt(exponent);
  } else {
    const denominator = 1n << BigInt(-exponent);
    const quotient = scaled / denominator;
    const twiceRemainder = (scaled % denominator) * 2n;
    const roundUp = twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n);
    digits = roundUp ? quotient + 1n : quotient;
  }
  const text = digits.toString().padStart(decimals + 1, '0');
  const integerPart = text.slice(0, text.length - decimals);
  const fractionPart = text.slice(text.length - decimals);
  return `${negative ? '-' : ''}${integerPart}${decimals > 0 ? `.${fractionPart}` : ''}`.padStart(width);
}
