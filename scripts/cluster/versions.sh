# Versions of the local control plane. Changing any of them changes the cache key, so the next
# `build` compiles afresh into a new folder and old caches stay usable until deleted.
K8S_VERSION=v1.34.4      # kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
ETCD_VERSION=v3.6.5      # Kubernetes 1.34 pins 3.6.4; 3.6.5 is its patch release
KWOK_VERSION=v0.8.0      # kwokctl (binary runtime) and the kwok fake-node controller
LWS_VERSION=v0.7.0       # what HPE PCAI ships (ai-solution-eng/frameworks LeaderWorkerSet 0.7.0)
