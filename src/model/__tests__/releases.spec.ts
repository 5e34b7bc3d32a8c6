/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)

// The release table: the same spec rendered for every supported image tag family, each
// command line checked against the flags that release really has (engines/releases.ts,
// which cites the sources).

import { shellSplit } from '../engines/commandLine';
import {
  buildManifests,
  releaseFromTag,
  SGLANG_RELEASES,
  validateSpec,
  VLLM_RELEASES
} from '..';
import type { IDeploymentSpec, IReleaseFamily } from '..';

const spec: IDeploymentSpec = {
  name: 'llama-70b',
  engine: 'vllm',
  model: 'meta-llama/Llama-3.3-70B-Instruct',
  nodes: 2,
  gpusPerNode: 4,
  gpuType: 'L40S',
  tensorParallel: 4,
  pipelineParallel: 2,
  trustRemoteCode: true
};

/** The engine's own flags in a container command (after the launcher, in Ray mode). */
function engineFlags(command: readonly string[]): string[] {
  let words = [...command];
  if (words[0] === 'sh' && words[1] === '-c') {
    const script = shellSplit(words[2]);
    const server = script.indexOf('vllm.entrypoints.openai.api_server');
    // A Ray worker runs only the bootstrap script: no engine flags.
    words = server >= 0 ? script.slice(server + 1) : [];
  }
  return words
    .filter(word => word.startsWith('--'))
    .map(word => word.split('=')[0]);
}

function commands(input: IDeploymentSpec): string[][] {
  const template =
    buildManifests(input).leaderWorkerSet.spec.leaderWorkerTemplate;
  return [
    template.leaderTemplate!.spec!.containers[0].command!,
    template.workerTemplate.spec!.containers[0].command!
  ];
}

function ids(input: IDeploymentSpec): string[] {
  return validateSpec(input).map(issue => issue.id);
}

const vllmRows = VLLM_RELEASES.map(family => [family.family, family] as const);
const sglangRows = SGLANG_RELEASES.map(
  family => [family.family, family] as const
);

describe.each(vllmRows)('vLLM %s', (_name, family: IReleaseFamily) => {
  const image = `vllm/vllm-openai:${family.tag}`;
  const version = releaseFromTag(family.tag)!;
  const native =
    version.minor > 11 || (version.minor === 11 && version.patch >= 1);

  it('emits only flags this release has, in the mode auto picks', () => {
    const [leader, worker] = commands({ ...spec, image });
    expect(leader.slice(0, 2)).toEqual(
      native ? ['vllm', 'serve'] : ['sh', '-c']
    );
    for (const flag of [...engineFlags(leader), ...engineFlags(worker)]) {
      expect(family.flags).toContain(flag);
    }
  });

  it('names the Ray backend on the leader in Ray mode, and finds the bootstrap script', () => {
    const [leader, worker] = commands({ ...spec, image, vllmMode: 'ray' });
    const words = shellSplit(leader[2]);
    expect(words[words.indexOf('--distributed-executor-backend') + 1]).toBe(
      'ray'
    );
    for (const flag of engineFlags(leader)) {
      expect(family.flags).toContain(flag);
    }
    for (const script of [leader[2], worker[2]]) {
      expect(script).toContain('examples/online_serving/multi-node-serving.sh');
      expect(script).toContain('examples/ray_serving/multi-node-serving.sh');
    }
  });

  it('accepts native mode only where the release has it, and warns about Ray where images may lack it', () => {
    const nativeIds = ids({ ...spec, image, vllmMode: 'native' });
    expect(nativeIds.includes('vllm-native-unsupported')).toBe(!native);
    const rayIds = ids({ ...spec, image, vllmMode: 'ray' });
    expect(rayIds.includes('vllm-ray-unavailable')).toBe(!family.hasRay);
    expect(ids({ ...spec, image })).not.toContain('vllm-ray-unavailable');
  });
});

describe.each(sglangRows)('SGLang %s', (_name, family: IReleaseFamily) => {
  const image = `lmsysorg/sglang:${family.tag}`;
  const hasPipeline = family.flags.includes('--pp-size');
  const sglang = { ...spec, engine: 'sglang' as const, image };

  it('emits only flags this release has, with tensor parallel over all GPUs', () => {
    const single = { ...sglang, tensorParallel: 8, pipelineParallel: 1 };
    for (const command of commands(single)) {
      expect(command).toContain('--tp-size');
      expect(command).not.toContain('--tp');
      for (const flag of engineFlags(command)) {
        expect(family.flags).toContain(flag);
      }
    }
    expect(ids(single)).not.toContain('sglang-pp-unsupported');
  });

  it('flags pipeline parallel where the release lacks it', () => {
    expect(ids(sglang).includes('sglang-pp-unsupported')).toBe(!hasPipeline);
    if (hasPipeline) {
      for (const command of commands(sglang)) {
        for (const flag of engineFlags(command)) {
          expect(family.flags).toContain(flag);
        }
      }
    }
  });
});

describe('releaseFromTag', () => {
  it('reads releases with post suffixes and build suffixes', () => {
    expect(releaseFromTag('v0.4.6.post2')).toEqual({
      major: 0,
      minor: 4,
      patch: 6,
      post: 2
    });
    expect(releaseFromTag('0.13.1-cu128')).toEqual({
      major: 0,
      minor: 13,
      patch: 1,
      post: 0
    });
    expect(releaseFromTag('latest')).toBeUndefined();
  });
});
