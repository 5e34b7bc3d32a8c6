// The deployment model: pure, DOM-free domain logic shared by the UI and the command line.

export * from './catalog';
export * from './describe';
export * from './dns1123';
export * from './engines';
export * from './imageReference';
export * from './issues';
export * from './lws';
export * from './manifests';
export * from './modelFacts';
export * from './profiles';
export * from './rdma';
export * from './resolve';
export * from './sizing';
export * from './spec';
export * from './specYaml';
export * from './validate';
