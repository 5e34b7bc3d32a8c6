// What each engine release accepts on its command line, in one place: the release table
// test renders a spec for every family here and checks each flag against these lists, and
// the engines read their version thresholds from here.
//
// Sources (see also shared/reference/domain-notes.md and DESIGN.md section 3):
// - vLLM: `vllm/engine/arg_utils.py` in the release wheels: `--nnodes`, `--node-rank`,
//   `--master-addr`, `--master-port` are absent in 0.10.2 and 0.11.0 and present from 0.11.1
//   (vllm#23691, "[V1] Support MP Executor for multi node distributed inference");
//   `--distributed-executor-backend` exists in every release from 0.10.2 on. From 0.11.1,
//   `vllm/config/parallel.py` no longer picks Ray by itself when TP x PP exceeds the local
//   GPUs ("If this is intentional and you are using: - ray, set
//   '--distributed-executor-backend ray'"). vLLM's FlexibleArgumentParser accepts
//   underscores for dashes, so the guide's `--pipeline_parallel_size` is the same flag.
//   Ray left the default dependencies in vllm#36170 (GPUStack docs: "from 0.18.0").
// - SGLang: `python/sglang/srt/server_args.py`: `--tp-size` (alias `--tensor-parallel-size`;
//   `--tp` is only argparse's abbreviation of it), `--dist-init-addr`, `--nnodes`,
//   `--node-rank` in every release here; `--pp-size` (alias `--pipeline-parallel-size`)
//   arrived with pipeline parallelism in 0.4.6.post2
//   (https://docs.sglang.io/advanced_features/server_arguments.html).

/** A release number read from an image tag: major.minor.patch and an optional `.postN`. */
export interface IRelease {
  major: number;
  minor: number;
  patch: number;
  post: number;
}

/** The release in an image tag such as `v0.10.2`, `0.12.0-cu128` or `v0.4.6.post2`. */
export function releaseFromTag(tag: string | undefined): IRelease | undefined {
  const match = tag
    ? /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:\.?post(\d+))?/.exec(tag)
    : null;
  if (!match) {
    return undefined;
  }
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3] ?? 0),
    post: Number(match[4] ?? 0)
  };
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareReleases(a: IRelease, b: IRelease): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    a.post - b.post
  );
}

/** `release` as written in tags, e.g. `v0.4.6.post2`. */
export function formatRelease(release: IRelease): string {
  const post = release.post > 0 ? `.post${release.post}` : '';
  return `v${release.major}.${release.minor}.${release.patch}${post}`;
}

function release(major: number, minor: number, patch = 0, post = 0): IRelease {
  return { major, minor, patch, post };
}

/** vLLM: the first release with native multi-node serving (`--nnodes`, `--headless`). */
export const VLLM_FIRST_NATIVE = release(0, 11, 1);

/**
 * vLLM: the first release known to carry vllm#28873 ("[BugFix] Ray with multiple nodes",
 * merged 17-18 Nov 2025, after v0.11.1 was cut; in main's weekly summary of 21 Nov 2025).
 * From v0.11.1 the GPU worker checks its node's share of the world (local_world_size)
 * against the GPUs it sees, which the Ray backend across nodes failed (vllm#28997). Whether
 * the v0.11.2 patch release carries the fix was not confirmed, so v0.12.0 counts as first.
 */
export const VLLM_RAY_MULTINODE_FIXED = release(0, 12, 0);

/** vLLM: the first release that no longer installs Ray by default (vllm#36170). */
export const VLLM_FIRST_WITHOUT_RAY = release(0, 18, 0);

/** SGLang: the first release with pipeline parallelism (`--pp-size`). */
export const SGLANG_FIRST_PIPELINE = release(0, 4, 6, 2);

/** One family of releases with the same command line, as the release table lists them. */
export interface IReleaseFamily {
  /** The family as users know it, e.g. `0.11.1+`. */
  family: string;
  /** A representative image tag. */
  tag: string;
  /** Every flag the launcher of this family accepts that the extension may emit. */
  flags: readonly string[];
  /** The image has Ray installed (vLLM's Ray mode needs it). */
  hasRay?: boolean;
}

const VLLM_COMMON_FLAGS = [
  '--model',
  '--port',
  '--host',
  '--tensor-parallel-size',
  '--pipeline-parallel-size',
  '--pipeline_parallel_size',
  '--distributed-executor-backend',
  '--trust-remote-code'
];

const VLLM_NATIVE_FLAGS = [
  '--nnodes',
  '--node-rank',
  '--master-addr',
  '--master-port',
  '--headless'
];

const SGLANG_COMMON_FLAGS = [
  '--model-path',
  '--tp-size',
  '--tensor-parallel-size',
  '--dist-init-addr',
  '--nnodes',
  '--node-rank',
  '--host',
  '--port',
  '--trust-remote-code',
  // server_args.py since sgl-project/sglang#1853 (Nov 2024, before 0.4): every family here.
  '--enable-metrics'
];

const SGLANG_PIPELINE_FLAGS = ['--pp-size', '--pipeline-parallel-size'];

/** The vLLM release families the extension supports, oldest first. */
export const VLLM_RELEASES: readonly IReleaseFamily[] = [
  { family: '0.10.x', tag: 'v0.10.2', flags: VLLM_COMMON_FLAGS, hasRay: true },
  { family: '0.11.0', tag: 'v0.11.0', flags: VLLM_COMMON_FLAGS, hasRay: true },
  {
    family: '0.11.1+',
    tag: 'v0.11.1',
    flags: [...VLLM_COMMON_FLAGS, ...VLLM_NATIVE_FLAGS],
    hasRay: true
  },
  {
    family: '0.18+',
    tag: 'v0.18.0',
    flags: [...VLLM_COMMON_FLAGS, ...VLLM_NATIVE_FLAGS],
    hasRay: false
  }
];

/** The SGLang release families the extension supports, oldest first. */
export const SGLANG_RELEASES: readonly IReleaseFamily[] = [
  { family: '0.4.5', tag: 'v0.4.5', flags: SGLANG_COMMON_FLAGS },
  {
    family: '0.4.6.post2+',
    tag: 'v0.4.6.post2',
    flags: [...SGLANG_COMMON_FLAGS, ...SGLANG_PIPELINE_FLAGS]
  },
  {
    family: '0.5.x',
    tag: 'v0.5.6.post2',
    flags: [...SGLANG_COMMON_FLAGS, ...SGLANG_PIPELINE_FLAGS]
  }
];

/** True when `version` is older than `threshold`. */
export function isBefore(version: IRelease, threshold: IRelease): boolean {
  return compareReleases(version, threshold) < 0;
}
