import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useState } from 'react';

import { formatBytes } from '../../model/downloadProgress';
import type { ModelAvailability } from '../../model/modelCache';

/** Command ids the note uses; the sidebar plugin registers them (src/index.ts). */
export const ModelCommandIDs = {
  /** Returns the {@link ModelAvailability} of `model`; "changed" when it may differ. */
  availability: 'lws:model-availability',
  /** Starts a download of `model` into the volume and shows it in the sidebar. */
  download: 'lws:download-model',
  /** Lists the models in the volume. */
  listCache: 'lws:list-cached-models'
} as const;

/** Props of {@link ModelCacheNote}. */
export interface IModelCacheNoteProps {
  commands: CommandRegistry;
  repo: string;
  trans: TranslationBundle;
}

/**
 * Under the form's model field: "cached (141 GB)", "downloading (42 %)", or "not cached" with
 * a Download-first action (the guide: pre-download into the volume, then deploy).
 */
export function ModelCacheNote(
  props: IModelCacheNoteProps
): JSX.Element | null {
  const { commands, repo, trans } = props;
  const [availability, setAvailability] = useState<ModelAvailability | null>(
    null
  );
  useEffect(() => {
    let live = true;
    const query = () => {
      if (!commands.hasCommand(ModelCommandIDs.availability)) {
        return;
      }
      void commands
        .execute(ModelCommandIDs.availability, { model: repo })
        .then(value => {
          if (live) {
            setAvailability(value as ModelAvailability);
          }
        });
    };
    const onChanged = (_: CommandRegistry, args: { id?: string }) => {
      if (args.id === ModelCommandIDs.availability) {
        query();
      }
    };
    query();
    commands.commandChanged.connect(onChanged);
    return () => {
      live = false;
      commands.commandChanged.disconnect(onChanged);
    };
  }, [commands, repo]);
  if (repo.trim() === '' || availability === null) {
    return null;
  }
  const download = (
    <button
      type="button"
      className="jp-mod-styled jp-mod-reject"
      data-testid="lws-new-download-first"
      onClick={() =>
        void commands.execute(ModelCommandIDs.download, { model: repo })
      }
    >
      {trans.__('Download first')}
    </button>
  );
  let content: JSX.Element;
  switch (availability.kind) {
    case 'cached':
      content = (
        <span>
          {availability.incomplete
            ? trans.__(
                'partly cached (%1): Download first to complete it',
                formatBytes(availability.sizeOnDisk)
              )
            : trans.__('cached (%1)', formatBytes(availability.sizeOnDisk))}
        </span>
      );
      break;
    case 'downloading':
      content = (
        <span>{trans.__('downloading (%1 %)', availability.percent)}</span>
      );
      break;
    case 'not-cached':
      content = (
        <>
          <span>{trans.__('not cached:')}</span> {download}
        </>
      );
      break;
    default:
      content = (
        <>
          <span>{trans.__('In the model volume?')}</span>{' '}
          <button
            type="button"
            className="jp-mod-styled jp-mod-reject"
            data-testid="lws-new-check-cache"
            onClick={() => void commands.execute(ModelCommandIDs.listCache)}
          >
            {trans.__('Check')}
          </button>{' '}
          {download}
        </>
      );
  }
  return (
    <div
      className="jp-lws-ModelCacheNote"
      data-testid="lws-new-model-cache"
      data-kind={availability.kind}
    >
      {content}
    </div>
  );
}
