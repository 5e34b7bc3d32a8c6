"""Registers the LWS webhooks by URL instead of by in-cluster Service.

The LWS manager runs as a local process, so the API server must call it at 127.0.0.1 (the same
rewrite envtest does). Reads the module's config/webhook/manifests.yaml and its kustomize
patches (the pod webhooks' objectSelector matters: failurePolicy is Fail, so without the
selector every pod in the cluster would need the LWS manager), and prints the configurations.

usage: webhooks.py LWS_CONFIG_DIR BASE_URL CA_FILE
"""

import base64
import sys
from pathlib import Path

import yaml


def main(config_dir: str, base_url: str, ca_file: str) -> None:
    config = Path(config_dir)
    ca_bundle = base64.b64encode(Path(ca_file).read_bytes()).decode()
    docs = [d for d in yaml.safe_load_all((config / "manifests.yaml").read_text()) if d]
    patches = {
        "MutatingWebhookConfiguration": config / "mutating-patch.yaml",
        "ValidatingWebhookConfiguration": config / "validating-patch.yaml",
    }
    for doc in docs:
        patch_file = patches[doc["kind"]]
        for op in yaml.safe_load(patch_file.read_text()) or []:
            # The patches only ever replace whole webhooks: /webhooks/<index>.
            index = int(op["path"].rsplit("/", 1)[1])
            doc["webhooks"][index] = op["value"]
        doc["metadata"]["name"] = "lws-" + doc["metadata"]["name"]
        for hook in doc["webhooks"]:
            path = hook["clientConfig"]["service"]["path"]
            hook["clientConfig"] = {"url": base_url + path, "caBundle": ca_bundle}
    print(yaml.safe_dump_all(docs, sort_keys=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
