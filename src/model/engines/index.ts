import type { EngineName } from '../spec';
import type { IEngine } from './engine';
import { SGLANG } from './sglang';
import { VLLM } from './vllm';

export type { ICommandFacts, IEngine, IReservedPort } from './engine';
export { SGLANG } from './sglang';
export { VLLM, chooseVllmMode, vllmVersionFromImage } from './vllm';
export type { IVllmModeChoice, IVllmVersion } from './vllm';
export {
  SGLANG_FIRST_PIPELINE,
  SGLANG_RELEASES,
  VLLM_FIRST_NATIVE,
  VLLM_FIRST_WITHOUT_RAY,
  VLLM_RELEASES,
  compareReleases,
  formatRelease,
  releaseFromTag
} from './releases';
export type { IRelease, IReleaseFamily } from './releases';

/** Every engine the extension can deploy, by name. */
export const ENGINES: Readonly<Record<EngineName, IEngine>> = {
  sglang: SGLANG,
  vllm: VLLM
};

/** The engine names, for forms and messages. */
export const ENGINE_NAMES = Object.keys(ENGINES) as EngineName[];

/** The engine called `name` (case-insensitive), or undefined. */
export function findEngine(name: unknown): IEngine | undefined {
  if (typeof name !== 'string') {
    return undefined;
  }
  const key = name.trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(ENGINES, key)
    ? ENGINES[key as EngineName]
    : undefined;
}
