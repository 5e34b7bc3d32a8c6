import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import type { MainAreaWidget } from '@jupyterlab/apputils';
import {
  ICommandPalette,
  InputDialog,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import React from 'react';

import { CommandIDs } from './commands';
import { DEFAULT_NOTEBOOK_URL_TEMPLATE } from './model/notebookCode';
import { ILwsDeployments } from './tokens';
import type { IChatDeployment } from './widgets/chat';
import { DeploymentChatActions } from './widgets/chat/DeploymentChatActions';
import { SmokeResults } from './widgets/chat/smokeResults';

/** The plugin that owns the extension's settings. */
const SETTINGS_PLUGIN_ID = 'jupyterlab-lws:plugin';

/**
 * The smoke-test chat: a main-area panel per deployment, opened from the sidebar or the
 * command palette, and the sidebar's smoke test button.
 *
 * #### Notes
 * Only the commands and the sidebar's two buttons are registered at start-up; the panel, the
 * openai client and the notebook code load when a command first runs.
 */
export const chatPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-lws:chat',
  description:
    'Chat with, smoke-test and load-probe a deployment through its OpenAI-compatible endpoint.',
  autoStart: true,
  requires: [ILwsDeployments, IRenderMimeRegistry],
  optional: [
    ITranslator,
    ICommandPalette,
    IStateDB,
    INotebookTracker,
    ISettingRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    lws: ILwsDeployments,
    rendermime: IRenderMimeRegistry,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    state: IStateDB | null,
    notebooks: INotebookTracker | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_lws');
    const smokeResults = new SmokeResults(state);
    const tracker = new WidgetTracker<MainAreaWidget>({
      namespace: 'jupyterlab-lws-chat'
    });
    let notebookUrlTemplate = DEFAULT_NOTEBOOK_URL_TEMPLATE;
    void settingRegistry?.load(SETTINGS_PLUGIN_ID).then(settings => {
      const read = () => {
        notebookUrlTemplate =
          (settings.get('notebookEndpointUrlTemplate').composite as string) ||
          DEFAULT_NOTEBOOK_URL_TEMPLATE;
      };
      read();
      settings.changed.connect(read);
    });

    /** The chat target of a deployment, or why there is none. */
    const target = (name: string): IChatDeployment | string => {
      const { deployments } = lws;
      const namespace = deployments.namespace.context?.namespace;
      const endpoint = deployments.endpoint(name);
      if (!namespace || !deployments.lws(name)) {
        return trans.__('No deployment named %1 in this namespace.', name);
      }
      if (!endpoint) {
        return trans.__(
          '%1 has no Service that exposes the leader’s API yet.',
          name
        );
      }
      return {
        name,
        namespace,
        service: endpoint.service,
        port: endpoint.port,
        servedModel: deployments.servedModel(name)
      };
    };

    /**
     * The target of a deployment, starting the namespace's live collections and waiting for
     * their first snapshot when they are not there yet (the sidebar may never have been opened).
     */
    const resolve = async (name: string): Promise<IChatDeployment | string> => {
      const found = target(name);
      if (typeof found !== 'string') {
        return found;
      }
      await loaded();
      return target(name);
    };

    const loaded = async (): Promise<void> => {
      const namespace = lws.deployments.namespace;
      await namespace.activate();
      if (!namespace.synced) {
        await new Promise<void>(done => {
          const check = () => {
            if (namespace.synced) {
              finish();
            }
          };
          const finish = () => {
            clearTimeout(timer);
            namespace.changed.disconnect(check);
            done();
          };
          const timer = setTimeout(finish, 15_000);
          namespace.changed.connect(check);
        });
      }
    };

    /** Ready deployments with an endpoint, for the palette's picker. */
    const readyDeployments = (): string[] =>
      lws.deployments.overviews
        .filter(
          overview =>
            overview.status.state === 'Ready' &&
            lws.deployments.endpoint(overview.name) !== null
        )
        .map(overview => overview.name);

    const pickDeployment = async (): Promise<string | null> => {
      await loaded();
      const ready = readyDeployments();
      if (ready.length === 0) {
        Notification.warning(
          trans.__('No Ready deployment with an endpoint to chat with.')
        );
        return null;
      }
      if (ready.length === 1) {
        return ready[0];
      }
      const choice = await InputDialog.getItem({
        title: trans.__('Chat with which deployment?'),
        items: ready
      });
      return choice.button.accept ? choice.value : null;
    };

    app.commands.addCommand(CommandIDs.openChat, {
      label: args =>
        args.deployment
          ? trans.__('Chat with %1', String(args.deployment))
          : trans.__('Chat with a Multi-node Deployment'),
      caption: trans.__(
        'Chat with a deployment through its OpenAI-compatible endpoint, run a smoke test or a load probe'
      ),
      describedBy: {
        args: {
          type: 'object',
          properties: { deployment: { type: 'string' } }
        }
      },
      execute: async args => {
        const name = args.deployment
          ? String(args.deployment)
          : await pickDeployment();
        if (!name) {
          return null;
        }
        const found = await resolve(name);
        if (typeof found === 'string') {
          Notification.error(found);
          return null;
        }
        const id = `jp-lws-chat-${found.namespace}-${found.name}`;
        const open = tracker.find(widget => widget.id === id);
        if (open) {
          app.shell.activateById(open.id);
          return open;
        }
        const { createChatPanel } = await import('./widgets/chat');
        const widget = createChatPanel({
          app,
          deployment: found,
          state,
          smokeResults,
          rendermime,
          notebooks,
          notebookUrlTemplate: () => notebookUrlTemplate,
          trans
        });
        void tracker.add(widget);
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
        return widget;
      }
    });

    app.commands.addCommand(CommandIDs.smokeTest, {
      label: trans.__('Smoke-test a Multi-node Deployment'),
      describedBy: {
        args: {
          type: 'object',
          properties: { deployment: { type: 'string' } },
          required: ['deployment']
        }
      },
      execute: async args => {
        const found = await resolve(String(args.deployment));
        if (typeof found === 'string') {
          Notification.error(found);
          return null;
        }
        const { smokeTestDeployment } = await import('./widgets/chat');
        return smokeTestDeployment(
          app.serviceManager.serverSettings,
          found,
          smokeResults
        );
      }
    });

    lws.setEndpointExtras(name => {
      const namespace = lws.deployments.namespace.context?.namespace ?? '';
      return (
        <DeploymentChatActions
          resultKey={`${namespace}/${name}`}
          results={smokeResults}
          onChat={() =>
            void app.commands.execute(CommandIDs.openChat, { deployment: name })
          }
          onSmokeTest={() =>
            void app.commands.execute(CommandIDs.smokeTest, {
              deployment: name
            })
          }
          trans={trans}
        />
      );
    });

    palette?.addItem({
      command: CommandIDs.openChat,
      category: trans.__('Multi-node LLM Serving')
    });
  }
};
