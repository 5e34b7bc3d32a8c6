// Kubernetes name rules that the deployment's objects must obey.
// Source: k8s.io/apimachinery/pkg/util/validation (IsDNS1123Label, IsDNS1035Label,
// IsDNS1123Subdomain) and the LWS v0.7.0 webhook, which validates the LWS name as a
// DNS-1035 label "since the lws name is used as the name for headless service"
// (pkg/webhooks/leaderworkerset_webhook.go).

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Longest DNS label Kubernetes accepts (object names of Services, label values). */
export const DNS_LABEL_MAX_LENGTH = 63;

/** Longest DNS subdomain Kubernetes accepts (names of Secrets, PVCs). */
export const DNS_SUBDOMAIN_MAX_LENGTH = 253;

/** True when `value` is a DNS-1035 label (a DNS-1123 label that starts with a letter). */
export function isDns1035Label(value: string): boolean {
  return value.length <= DNS_LABEL_MAX_LENGTH && DNS1035_LABEL.test(value);
}

/** True when `value` has a DNS-1035 label's characters and shape, whatever its length. */
export function hasDns1035Form(value: string): boolean {
  return DNS1035_LABEL.test(value);
}

/** True when `value` is a DNS-1123 subdomain (dot-separated labels, at most 253). */
export function isDns1123Subdomain(value: string): boolean {
  return (
    value.length <= DNS_SUBDOMAIN_MAX_LENGTH && DNS1123_SUBDOMAIN.test(value)
  );
}

/**
 * Longest LWS name that still gives startable pods for `replicas` groups.
 *
 * #### Notes
 * The worker StatefulSet of group g is named `<name>-<g>` and its pods carry the label
 * `controller-revision-hash: <name>-<g>-<hash>`, which must fit in 63 characters. The
 * LWS troubleshooting guide (site/content/en/docs/troubleshooting, "Unable to Create LWS
 * Object with a Name Exceeding 51 Characters") gives 51 for up to 9 groups, one less
 * for every extra digit of the group index. It writes this as `51 - int(replicas / 10)`
 * but explains it by digits; digits is what the label length depends on, so count them
 * (conservatively, from `replicas` rather than the largest index `replicas - 1`).
 */
export function lwsNameMaxLength(replicas: number): number {
  const groups = Math.max(1, Math.floor(replicas));
  return 51 - (String(groups).length - 1);
}

/** A DNS-1035 label derived from free text, e.g. `Llama_70B` -> `llama-70b`, or '' if none. */
export function suggestDnsLabel(value: string, maxLength: number): string {
  let label = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '');
  if (label !== '' && !/^[a-z]/.test(label)) {
    label = `lws-${label}`;
  }
  return label.slice(0, maxLength).replace(/-+$/, '');
}
