// The chat's code, loaded on first use (the chat command, the sidebar's smoke test button):
// nothing here is part of JupyterLab's start-up, the openai client included.

import type { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { ServerConnection } from '@jupyterlab/services';
import type { IStateDB } from '@jupyterlab/statedb';
import type { TranslationBundle } from '@jupyterlab/translation';

import { endpointClient } from '../../api/chatClient';
import { lwsIcon } from '../../icons';
import { notebookBaseUrl, notebookCode } from '../../model/notebookCode';
import type { ISmokeResult } from '../../model/smokeTest';
import type { IChatDeployment } from './ChatViewModel';
import { ChatViewModel, deploymentKey, runSmokeTest } from './ChatViewModel';
import { ChatView } from './ChatPanel';
import { insertNotebookCell } from './insertCode';
import { modelOutputRendermime } from './modelOutput';
import type { SmokeResults } from './smokeResults';

export type { IChatDeployment } from './ChatViewModel';

/** What the chat panel needs from the plugin. */
export interface IChatPanelOptions {
  app: JupyterFrontEnd;
  deployment: IChatDeployment;
  state: IStateDB | null;
  smokeResults: SmokeResults;
  rendermime: IRenderMimeRegistry;
  notebooks: INotebookTracker | null;
  /** The URL template of inserted notebook code (a setting). */
  notebookUrlTemplate: () => string;
  trans: TranslationBundle;
}

/** A main-area chat with one deployment; closing it stops its requests. */
export function createChatPanel(
  options: IChatPanelOptions
): MainAreaWidget<ChatView> {
  const { app, deployment, trans } = options;
  const model = new ChatViewModel({
    serverSettings: app.serviceManager.serverSettings,
    deployment,
    state: options.state,
    smokeResults: options.smokeResults
  });
  const content = new ChatView({
    model,
    rendermime: modelOutputRendermime(options.rendermime),
    trans,
    insertCode: () => {
      const code = notebookCode(
        { ...deployment, model: model.settings.model },
        notebookBaseUrl(options.notebookUrlTemplate(), deployment)
      );
      void insertNotebookCell(app, options.notebooks, code);
    }
  });
  const widget = new MainAreaWidget({ content });
  widget.id = `jp-lws-chat-${deployment.namespace}-${deployment.name}`;
  widget.title.label = trans.__('Chat: %1', deployment.name);
  widget.title.icon = lwsIcon;
  widget.title.closable = true;
  widget.disposed.connect(() => model.dispose());
  void model.initialize();
  return widget;
}

/** Runs a smoke test of a deployment without opening the chat (the sidebar's button). */
export async function smokeTestDeployment(
  serverSettings: ServerConnection.ISettings,
  deployment: IChatDeployment,
  smokeResults: SmokeResults
): Promise<ISmokeResult> {
  const key = deploymentKey(deployment);
  smokeResults.setRunning(key, true);
  try {
    const result = await runSmokeTest(
      endpointClient(serverSettings, deployment),
      deployment.servedModel ?? '',
      new AbortController().signal
    );
    smokeResults.set(key, result);
    return result;
  } finally {
    smokeResults.setRunning(key, false);
  }
}
