// Placer `default` (contract §3): the contract's filters; BinPacking, Locality and LoadBalance weighted
// by placement.weights.
import { BIN_PACKING } from '../plugins/bin-packing';
import { contractProfile } from './contract';

export const defaultPlacer = contractProfile('default', BIN_PACKING);
