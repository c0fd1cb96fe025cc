import { badRequest } from '../../shared/errors.js';

/**
 * Placement matrices: an operator creates one channel per combination of placement values
 * (楼栋 × 电梯 …). The bounds are checked on the counts before any combination is made.
 */

/** A batch larger than this is almost certainly a mistake (and ~2 WeCom calls per channel). */
export const MAX_BATCH = 200;
/**
 * Bounds on a placement matrix's inputs; the HTTP schemas use the same numbers for early,
 * field-level errors. A pattern's placeholders can be long (the mini-program builds
 * `<prefix>-{label}…` from 4 labels), so its bound is looser than the 30 characters of a name.
 */
export const BATCH_LIMITS = { dimensions: 4, valuesPerDimension: 100, labelChars: 30, valueChars: 30, patternChars: 200 } as const;
/** Canonical form of a placement, so {"电梯":"A","楼栋":"3号楼"} and its reordering are one key. */
export function placementKey(attributes: Record<string, string>): string {
  return JSON.stringify(Object.keys(attributes).sort().map((k) => [k, attributes[k]]));
}

/**
 * Refuses a placement matrix whose size is out of bounds, looking only at the counts first: the
 * number of combinations is the product of the value counts, known without making any of them
 * (4 dimensions of 100 values would be 10^8 objects, enough to exhaust the heap). Lengths of the
 * strings, which multiply the work per combination, are checked only once the product is small.
 */
export function checkMatrixBounds(dimensions: Record<string, readonly string[]>, namePattern: string): void {
  const L = BATCH_LIMITS;
  const labels = Object.keys(dimensions);
  if (labels.length < 1 || labels.length > L.dimensions) throw badRequest('CHANNEL.BATCH_DIMENSIONS', `投放维度需为 1 到 ${L.dimensions} 个，当前为 ${labels.length} 个`);
  let product = 1;
  for (const label of labels) {
    const n = dimensions[label]!.length;
    if (n < 1 || n > L.valuesPerDimension) throw badRequest('CHANNEL.BATCH_VALUES', `每个投放维度需有 1 到 ${L.valuesPerDimension} 个取值，「${label.slice(0, L.labelChars)}」有 ${n} 个`);
    product *= n;
  }
  if (product > MAX_BATCH) throw badRequest('CHANNEL.BATCH_TOO_LARGE', `一次最多创建 ${MAX_BATCH} 个渠道，当前为 ${product} 个`);
  if ([...namePattern].length > L.patternChars) throw badRequest('CHANNEL.BATCH_PATTERN_TOO_LONG', `名称模板不能超过 ${L.patternChars} 个字`);
  for (const label of labels) {
    if ([...label].length > L.labelChars) throw badRequest('CHANNEL.BATCH_LABEL_TOO_LONG', `维度名称不能超过 ${L.labelChars} 个字`);
    const long = dimensions[label]!.find((v) => [...v].length > L.valueChars);
    if (long !== undefined) throw badRequest('CHANNEL.BATCH_VALUE_TOO_LONG', `维度「${label}」的取值不能超过 ${L.valueChars} 个字`);
  }
}

/** Every combination of the dimensions, in a stable order (first dimension slowest). Bound it first (checkMatrixBounds). */
export function expandMatrix(dimensions: Record<string, string[]>): Array<Record<string, string>> {
  let out: Array<Record<string, string>> = [{}];
  for (const [label, values] of Object.entries(dimensions)) {
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [label]: v })));
  }
  return out;
}
