import type { TranslationBundle } from '@jupyterlab/translation';

import type { FormField } from '../../model/formState';

/** The label of a form input, as the form shows it (also names fields in the advice). */
export function fieldLabel(field: FormField, trans: TranslationBundle): string {
  switch (field) {
    case 'profileId':
      return trans.__('Cluster profile');
    case 'name':
      return trans.__('Name');
    case 'engine':
      return trans.__('Engine');
    case 'model':
      return trans.__('Model');
    case 'nodes':
      return trans.__('Nodes');
    case 'gpusPerNode':
      return trans.__('GPUs per node');
    case 'image':
      return trans.__('Image');
    case 'gpuType':
      return trans.__('GPU type');
    case 'tensorParallel':
      return trans.__('Tensor parallel size');
    case 'pipelineParallel':
      return trans.__('Pipeline parallel size');
    case 'replicas':
      return trans.__('Replicas');
    case 'port':
      return trans.__('API port');
    case 'distPort':
      return trans.__('Distributed init port');
    case 'serviceName':
      return trans.__('Service name');
    case 'rdma':
      return trans.__('GPUDirect RDMA');
    case 'rdmaNetworks':
      return trans.__('RDMA networks');
    case 'rdmaResources':
      return trans.__('RDMA devices per pod');
    case 'rdmaAddrFamily':
      return trans.__('NCCL_IB_ADDR_FAMILY');
    case 'ncclDebug':
      return trans.__('NCCL_DEBUG');
    case 'storage':
      return trans.__('Model storage');
    case 'storagePvc':
      return trans.__('PVC');
    case 'storageMountPath':
      return trans.__('Mount path (HF_HOME)');
    case 'hfTokenSecret':
      return trans.__('Token Secret');
    case 'engineArgs':
      return trans.__('Engine arguments');
    case 'leaderArgs':
      return trans.__('Leader-only arguments');
    case 'workerArgs':
      return trans.__('Worker-only arguments');
    case 'env':
      return trans.__('Environment');
    case 'vllmMode':
      return trans.__('vLLM start mode');
    case 'trustRemoteCode':
      return trans.__('Trust remote code');
  }
}

/** DOM id of a form input, for `<label htmlFor>` and focusing it from the advice. */
export function inputId(field: FormField): string {
  return `jp-lws-new-${field}`;
}
