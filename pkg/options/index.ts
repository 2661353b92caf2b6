// Validating options (issue 18): one helper for numeric options, used by every package that takes
// them. A leaf: imports nothing of ours.
export type { NumberRule } from './number';
export { InvalidOptionError, isInvalidOptionError, requireAtMost, requireNumber } from './number';
