// Container image references, following the grammar of github.com/distribution/reference
// (the one kubelet and containerd use), so that a typo is caught before the pods sit in
// InvalidImageName.

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST =
  /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const NAME_MAX_LENGTH = 255;

/** The parts of an image reference such as `nvcr.io/nvidia/vllm:25.01@sha256:...`. */
export interface IImageReference {
  /** Registry host (with port), if the reference names one. */
  domain?: string;
  /** Repository path, e.g. `vllm/vllm-openai`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** The parts of `reference`, or undefined when it is not a valid image reference. */
export function parseImageReference(
  reference: string
): IImageReference | undefined {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      return undefined;
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      return undefined;
    }
  }
  if (rest === '' || rest.length > NAME_MAX_LENGTH) {
    return undefined;
  }
  const components = rest.split('/');
  let domain: string | undefined;
  // Like distribution/reference: the first component is a registry when it looks like a
  // host (has a dot or a port, or is localhost); otherwise it is part of the path.
  if (
    components.length > 1 &&
    (/[.:]/.test(components[0]) || components[0] === 'localhost')
  ) {
    domain = components.shift() as string;
    if (!DOMAIN.test(domain)) {
      return undefined;
    }
  }
  if (!components.every(component => PATH_COMPONENT.test(component))) {
    return undefined;
  }
  const parsed: IImageReference = { repository: components.join('/') };
  if (domain !== undefined) {
    parsed.domain = domain;
  }
  if (tag !== undefined) {
    parsed.tag = tag;
  }
  if (digest !== undefined) {
    parsed.digest = digest;
  }
  return parsed;
}
