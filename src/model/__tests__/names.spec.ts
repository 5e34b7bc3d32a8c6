/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)

import {
  isDns1035Label,
  isDns1123Subdomain,
  parseImageReference,
  suggestDnsLabel
} from '..';
import { shellQuote, shellSplit } from '../engines/commandLine';

describe('DNS names', () => {
  it('tells DNS-1035 labels (LWS names) from DNS-1123 labels', () => {
    expect(isDns1123Subdomain('70b')).toBe(true);
    expect(isDns1035Label('70b')).toBe(false);
    expect(isDns1035Label('llama-70b')).toBe(true);
    expect(isDns1035Label('llama-')).toBe(false);
    expect(isDns1035Label('a'.repeat(64))).toBe(false);
  });

  it('accepts dotted subdomains for Secrets and PVCs', () => {
    expect(isDns1123Subdomain('hf.token')).toBe(true);
    expect(isDns1123Subdomain('hf..token')).toBe(false);
  });

  it('suggests a label from free text', () => {
    expect(suggestDnsLabel('Llama 3.3 70B!', 51)).toBe('llama-3-3-70b');
    expect(suggestDnsLabel('405b', 51)).toBe('lws-405b');
    expect(suggestDnsLabel('__', 51)).toBe('');
  });
});

describe('parseImageReference', () => {
  it('splits registry, repository, tag and digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(
      parseImageReference(`nvcr.io:443/nvidia/vllm:25.01@${digest}`)
    ).toEqual({
      domain: 'nvcr.io:443',
      repository: 'nvidia/vllm',
      tag: '25.01',
      digest
    });
    expect(parseImageReference('lmsysorg/sglang:v0.5.6.post2')).toEqual({
      repository: 'lmsysorg/sglang',
      tag: 'v0.5.6.post2'
    });
  });

  it('rejects references kubelet would reject', () => {
    for (const bad of [
      '',
      'Vllm/vllm',
      'vllm/vllm:',
      'vllm//x',
      'a:b:c',
      'x@sha256:zz'
    ]) {
      expect(parseImageReference(bad)).toBeUndefined();
    }
  });
});

describe('command lines', () => {
  it('quotes only words that need it', () => {
    expect(shellQuote('meta-llama/Llama-3.3-70B-Instruct')).toBe(
      'meta-llama/Llama-3.3-70B-Instruct'
    );
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellSplit(`x ${shellQuote("it's")}; y`)).toEqual([
      'x',
      "it's",
      'y'
    ]);
  });
});
