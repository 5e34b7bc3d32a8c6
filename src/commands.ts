/** The ids of the extension's commands. */
export namespace CommandIDs {
  /** Show the sidebar of multi-node deployments. */
  export const openSidebar = 'lws:open-sidebar';
  /** Open the form for a new multi-node deployment. */
  export const newDeployment = 'lws:new-deployment';
  /** Open the form on an existing deployment, to change and re-apply it (args: name). */
  export const editDeployment = 'lws:edit-deployment';
  /** Read the cluster context again and restart the watches. */
  export const refresh = 'lws:refresh';
  /** Show a deployment's detail in the main area (args: name). */
  export const openDeployment = 'lws:open-deployment';
  /** Show a pod's log in the main area (args: deployment, pod). */
  export const openLogs = 'lws:open-logs';
  /** Chat with a deployment in the main area (args: deployment; without it, pick one). */
  export const openChat = 'lws:open-chat';
  /** Send a deployment the smoke-test prompt (args: deployment). */
  export const smokeTest = 'lws:smoke-test';
}
