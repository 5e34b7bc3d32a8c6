import { resolveSettings } from '../profileSettings';
import { PCAI_GEN1, PCAI_GEN2 } from '../profiles';

describe('resolveSettings', () => {
  it('defaults to the built-in profiles, Gen1 and NCCL INFO', () => {
    const resolved = resolveSettings();
    expect(resolved.profiles).toEqual([PCAI_GEN1, PCAI_GEN2]);
    expect(resolved.profile).toBe(PCAI_GEN1);
    expect(resolved.ncclDebugByDefault).toBe(true);
    expect(resolved.problems).toEqual([]);
  });

  it('adds a settings profile and chooses it', () => {
    const lab = { id: 'lab', label: 'Lab (4 x H100)', gpusPerNode: 4 };
    const resolved = resolveSettings({
      profile: 'lab',
      profiles: [lab],
      ncclDebugByDefault: false
    });
    expect(resolved.profiles.map(p => p.id)).toEqual([
      'pcai-gen1',
      'pcai-gen2',
      'lab'
    ]);
    expect(resolved.profile).toBe(lab);
    expect(resolved.ncclDebugByDefault).toBe(false);
  });

  it('lets a settings profile replace the built-in one with its id', () => {
    const mine = { ...PCAI_GEN2, gpuType: 'H200' };
    const resolved = resolveSettings({
      profile: 'pcai-gen2',
      profiles: [mine]
    });
    expect(resolved.profiles).toHaveLength(2);
    expect(resolved.profile.gpuType).toBe('H200');
  });

  it('ignores broken entries and an unknown default, saying why', () => {
    const resolved = resolveSettings({
      profile: 'nope',
      profiles: [
        'text',
        { id: 'x', label: 'X', gpusPerNode: 0 },
        { id: 'y', label: 'Y', gpusPerNode: 8, rdma: { networks: 'a' } },
        { label: 'no id', gpusPerNode: 8 }
      ]
    });
    expect(resolved.profile).toBe(PCAI_GEN1);
    expect(resolved.profiles).toHaveLength(2);
    expect(resolved.problems).toEqual([
      'Cluster profile 1 is ignored: it is not an object.',
      'Cluster profile 2 is ignored: "x" needs "gpusPerNode", a whole number of at least 1.',
      'Cluster profile 3 is ignored: "y" has an "rdma" without networks, resources and addrFamily.',
      'Cluster profile 4 is ignored: it has no "id".',
      'The cluster profile "nope" does not exist; using "pcai-gen1". Known profiles: pcai-gen1, pcai-gen2.'
    ]);
  });
});
