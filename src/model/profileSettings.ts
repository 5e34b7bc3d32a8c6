// Cluster profiles from the user settings (`profile`, `profiles`): the built-in ones, plus
// or replaced by the settings' own, each checked, so that a typo in the settings editor
// shows up as a message instead of a form that silently defaults to nothing.

import type { IClusterProfile } from './profiles';
import { BUILTIN_PROFILES } from './profiles';

/** The extension settings a new deployment starts from. */
export interface IDeploymentSettings {
  /** Id of the default profile. */
  profile?: unknown;
  /** Extra or replacement profiles, as typed into the settings editor. */
  profiles?: unknown;
  /** NCCL_DEBUG=INFO on new deployments. */
  ncclDebugByDefault?: unknown;
}

/** The profiles to offer, the default one, and what was wrong in the settings. */
export interface IResolvedSettings {
  profiles: IClusterProfile[];
  profile: IClusterProfile;
  ncclDebugByDefault: boolean;
  /** One sentence per settings entry that was ignored. */
  problems: string[];
}

/**
 * The built-in profiles with the settings' profiles added (a settings profile with the id of
 * a built-in one replaces it), and the default profile chosen by `settings.profile`.
 */
export function resolveSettings(
  settings: IDeploymentSettings = {},
  builtins: readonly IClusterProfile[] = BUILTIN_PROFILES
): IResolvedSettings {
  const problems: string[] = [];
  const profiles = [...builtins];
  const custom = Array.isArray(settings.profiles) ? settings.profiles : [];
  for (const [index, entry] of custom.entries()) {
    const problem = profileProblem(entry);
    if (problem) {
      problems.push(`Cluster profile ${index + 1} is ignored: ${problem}.`);
      continue;
    }
    const profile = entry as IClusterProfile;
    const existing = profiles.findIndex(other => other.id === profile.id);
    if (existing >= 0) {
      profiles[existing] = profile;
    } else {
      profiles.push(profile);
    }
  }
  const wanted = typeof settings.profile === 'string' ? settings.profile : '';
  let profile = profiles.find(candidate => candidate.id === wanted);
  if (!profile) {
    if (wanted !== '') {
      problems.push(
        `The cluster profile "${wanted}" does not exist; using "${profiles[0].id}". ` +
          `Known profiles: ${profiles.map(p => p.id).join(', ')}.`
      );
    }
    profile = profiles[0];
  }
  return {
    profiles,
    profile,
    ncclDebugByDefault: settings.ncclDebugByDefault !== false,
    problems
  };
}

/** Why `entry` is not a usable profile, or undefined when it is. */
function profileProblem(entry: unknown): string | undefined {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return 'it is not an object';
  }
  const profile = entry as Record<string, unknown>;
  if (typeof profile.id !== 'string' || profile.id.trim() === '') {
    return 'it has no "id"';
  }
  if (typeof profile.label !== 'string' || profile.label.trim() === '') {
    return `"${profile.id}" has no "label"`;
  }
  const gpus = profile.gpusPerNode;
  if (typeof gpus !== 'number' || !Number.isInteger(gpus) || gpus < 1) {
    return `"${profile.id}" needs "gpusPerNode", a whole number of at least 1`;
  }
  const rdma = profile.rdma as Record<string, unknown> | undefined;
  if (
    rdma !== undefined &&
    (rdma === null ||
      typeof rdma !== 'object' ||
      !Array.isArray(rdma.networks) ||
      rdma.resources === null ||
      typeof rdma.resources !== 'object' ||
      typeof rdma.addrFamily !== 'string')
  ) {
    return `"${profile.id}" has an "rdma" without networks, resources and addrFamily`;
  }
  const storage = profile.storage as Record<string, unknown> | undefined;
  if (
    storage !== undefined &&
    (storage === null ||
      typeof storage !== 'object' ||
      typeof storage.pvc !== 'string' ||
      typeof storage.mountPath !== 'string')
  ) {
    return `"${profile.id}" has a "storage" without pvc and mountPath`;
  }
  for (const key of ['downloadImage', 'hfEndpoint']) {
    if (profile[key] !== undefined && typeof profile[key] !== 'string') {
      return `"${profile.id}" has a "${key}" that is not text`;
    }
  }
  if (
    typeof profile.hfEndpoint === 'string' &&
    !/^https?:\/\/[^/\s]+/.test(profile.hfEndpoint)
  ) {
    return `"${profile.id}" has an "hfEndpoint" that is not an http(s) address`;
  }
  return undefined;
}
