// Placer `spread`: like `default`, with LeastAllocated (100 - BinPacking) in BinPacking's place and
// weight, so emptier workers win.
import { LEAST_ALLOCATED } from '../plugins/least-allocated';
import { contractProfile } from './contract';

export const spreadPlacer = contractProfile('spread', LEAST_ALLOCATED);
