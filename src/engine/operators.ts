// The small operator table rules may use. Each operator guards its input types: comparing a
// number with a string is an evaluation error, not a silent false.
import type { Operator } from '../kb/vocabulary.js';

export type FactValue = number | string | boolean | null;
export type Threshold = number | string | boolean | Array<string | number>;

function numbers(op: Operator, a: FactValue, b: Threshold): true {
  if (typeof a !== 'number' || typeof b !== 'number')
    throw new TypeError(`operator ${op} needs numbers, got ${typeof a} and ${Array.isArray(b) ? 'list' : typeof b}`);
  return true;
}

export function applyOperator(op: Operator, value: FactValue, threshold: Threshold): boolean {
  switch (op) {
    case 'eq':
      return value === threshold;
    case 'ne':
      return value !== threshold;
    case 'lt':
      return numbers(op, value, threshold) && (value as number) < (threshold as number);
    case 'lte':
      return numbers(op, value, threshold) && (value as number) <= (threshold as number);
    case 'gt':
      return numbers(op, value, threshold) && (value as number) > (threshold as number);
    case 'gte':
      return numbers(op, value, threshold) && (value as number) >= (threshold as number);
    case 'in':
    case 'nin': {
      if (!Array.isArray(threshold)) throw new TypeError(`operator ${op} needs a list`);
      const found = threshold.includes(value as string | number);
      return op === 'in' ? found : !found;
    }
  }
}
