import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { cacheFolder } from '../../model/download';
import type { IDownloadState } from '../../model/downloadProgress';
import {
  explainFailure,
  formatBytes,
  formatDuration
} from '../../model/downloadProgress';
import type { IIssue } from '../../model/issues';
import type { ICachedModel } from '../../model/modelCache';
import { tokenSecretName } from '../../model/resolve';
import { untrustedText } from '../../model/shownText';
import { translateData } from '../translateData';
import type { DownloadsViewModel } from './DownloadsViewModel';

/** Props of {@link DownloadsSection}. */
export interface IDownloadsSectionProps {
  model: DownloadsViewModel;
  trans: TranslationBundle;
}

/**
 * The sidebar's Downloads: start a download into the model volume, follow each one (bar,
 * rate, time left), explain failures, cancel and retry, and the models already in the volume.
 */
export function DownloadsSection(props: IDownloadsSectionProps): JSX.Element {
  const { model, trans } = props;
  return (
    <UseSignal signal={model.changed}>
      {() => (
        <section className="jp-lws-Downloads" data-testid="lws-downloads">
          <h3 className="jp-lws-Downloads-title">
            {trans.__('Model downloads')}
          </h3>
          <p className="jp-lws-Downloads-target">
            {trans.__(
              'Into volume %1 (HF_HOME=%2)',
              model.target.pvc,
              model.target.mountPath
            )}
          </p>
          <StartForm model={model} trans={trans} />
          <ul className="jp-lws-Downloads-list">
            {model.downloads.map(download => (
              <DownloadRow
                key={download.jobName}
                download={download}
                model={model}
                trans={trans}
              />
            ))}
          </ul>
          <CacheView model={model} trans={trans} />
        </section>
      )}
    </UseSignal>
  );
}

function splitGlobs(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map(glob => glob.trim())
    .filter(glob => glob !== '');
}

function StartForm(props: IDownloadsSectionProps): JSX.Element {
  const { model, trans } = props;
  const [repo, setRepo] = useState('');
  const [revision, setRevision] = useState('');
  const [include, setInclude] = useState('');
  const [tokenSecret, setTokenSecret] = useState('');
  const [token, setToken] = useState('');
  const [issues, setIssues] = useState<IIssue[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const outcome = await model.start(
      {
        repo,
        revision,
        include: splitGlobs(include),
        ...(tokenSecret.trim() ? { tokenSecret: tokenSecret.trim() } : {})
      },
      token.trim()
    );
    setBusy(false);
    // The token lives in the Secret now (or was refused): never keep it in the page.
    setToken('');
    setIssues(outcome.ok ? [] : outcome.issues);
    if (outcome.ok) {
      setRepo('');
    }
  };
  return (
    <form
      className="jp-lws-Downloads-form"
      data-testid="lws-download-form"
      onSubmit={submit}
    >
      <label>
        {trans.__('Model')}
        <input
          className="jp-mod-styled"
          value={repo}
          placeholder={trans.__('e.g. %1', 'meta-llama/Llama-3.3-70B-Instruct')}
          data-testid="lws-download-model"
          onChange={event => setRepo(event.target.value)}
        />
      </label>
      <label>
        {trans.__('Revision')}
        <input
          className="jp-mod-styled"
          value={revision}
          placeholder={trans.__('main')}
          data-testid="lws-download-revision"
          onChange={event => setRevision(event.target.value)}
        />
      </label>
      <label>
        {trans.__('Only files matching')}
        <input
          className="jp-mod-styled"
          value={include}
          placeholder={trans.__(
            'all files, or e.g. %1',
            '*.safetensors *.json'
          )}
          data-testid="lws-download-include"
          onChange={event => setInclude(event.target.value)}
        />
      </label>
      <label>
        {trans.__('Token Secret (gated models)')}
        <input
          className="jp-mod-styled"
          value={tokenSecret}
          placeholder={trans.__('none, or e.g. %1', tokenSecretName())}
          data-testid="lws-download-secret"
          onChange={event => setTokenSecret(event.target.value)}
        />
      </label>
      <label>
        {trans.__('Token (saved in that Secret)')}
        <input
          className="jp-mod-styled"
          type="password"
          autoComplete="off"
          value={token}
          placeholder={trans.__('only to create or replace it')}
          data-testid="lws-download-token"
          onChange={event => setToken(event.target.value)}
        />
      </label>
      <button
        type="submit"
        className="jp-mod-styled jp-mod-accept"
        disabled={busy}
        data-testid="lws-download-start"
      >
        {trans.__('Download')}
      </button>
      {issues.length > 0 && (
        <ul
          className="jp-lws-Downloads-issues"
          data-testid="lws-download-issues"
        >
          {issues.map((issue, index) => (
            <li key={index} className={`jp-lws-mod-${issue.severity}`}>
              {translateData(trans, issue.message)}
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}

function progressText(download: IDownloadState, trans: TranslationBundle) {
  const { progress } = download;
  const parts = [
    trans.__(
      '%1 of %2',
      formatBytes(progress.bytes),
      formatBytes(progress.bytesTotal)
    ),
    trans.__('%1/%2 files', progress.files, progress.filesTotal)
  ];
  if (progress.rate !== undefined) {
    parts.push(trans.__('%1/s', formatBytes(progress.rate)));
  }
  if (progress.etaSeconds !== undefined) {
    parts.push(trans.__('%1 left', formatDuration(progress.etaSeconds)));
  }
  return parts.join(' · ');
}

function DownloadRow(props: {
  download: IDownloadState;
  model: DownloadsViewModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { download, model, trans } = props;
  const { progress, phase, failure } = download;
  const percent =
    progress.bytesTotal > 0
      ? Math.min(100, (100 * progress.bytes) / progress.bytesTotal)
      : 0;
  const labels: Record<typeof phase, string> = {
    waiting: trans.__('Waiting'),
    downloading: trans.__('Downloading'),
    done: trans.__('Downloaded'),
    failed: trans.__('Failed')
  };
  const info = failure ? explainFailure(failure.id) : null;
  return (
    <li
      className={`jp-lws-Download jp-lws-mod-${phase}`}
      data-testid="lws-download"
      data-repo={download.repo}
      data-phase={phase}
    >
      <div className="jp-lws-Download-header">
        <span className="jp-lws-Download-repo">
          {untrustedText(download.repo)}
          {download.revision !== 'main'
            ? `@${untrustedText(download.revision)}`
            : ''}
        </span>
        <span className="jp-lws-Download-phase">{labels[phase]}</span>
      </div>
      {(phase === 'downloading' || phase === 'waiting') && (
        <>
          <div
            className="jp-lws-Download-bar"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(percent)}
            aria-label={trans.__('Download of %1', download.repo)}
          >
            <div style={{ width: `${percent}%` }} />
          </div>
          <div
            className="jp-lws-Download-detail"
            data-testid="lws-download-progress"
          >
            {progress.start
              ? progressText(download, trans)
              : trans.__('Starting…')}
          </div>
        </>
      )}
      {phase === 'done' && (
        <div className="jp-lws-Download-detail" data-testid="lws-download-done">
          {progress.done
            ? trans.__(
                '%1 on disk, commit %2',
                formatBytes(progress.done.sizeOnDisk),
                progress.done.commit.slice(0, 12)
              )
            : trans.__('Complete')}
        </div>
      )}
      {failure && info && (
        <div
          className={`jp-lws-Download-failure jp-lws-mod-${phase === 'failed' ? 'error' : 'warning'}`}
          data-testid="lws-download-failure"
          data-failure={failure.id}
        >
          <strong>{translateData(trans, info.title)}</strong>
          <p>{translateData(trans, info.fix)}</p>
          {failure.detail && (
            <pre className="jp-lws-Download-message">{failure.detail}</pre>
          )}
        </div>
      )}
      <div className="jp-lws-Download-actions">
        {phase === 'downloading' || phase === 'waiting' ? (
          <button
            className="jp-mod-styled jp-mod-reject"
            data-testid="lws-download-cancel"
            onClick={() => void model.cancel(download.jobName)}
          >
            {trans.__('Cancel')}
          </button>
        ) : (
          <>
            {phase === 'failed' && (
              <button
                className="jp-mod-styled jp-mod-reject"
                data-testid="lws-download-retry"
                onClick={() => void model.retry(download)}
              >
                {trans.__('Retry')}
              </button>
            )}
            <button
              className="jp-mod-styled jp-mod-reject"
              data-testid="lws-download-dismiss"
              onClick={() => void model.cancel(download.jobName)}
            >
              {trans.__('Dismiss')}
            </button>
          </>
        )}
      </div>
    </li>
  );
}

async function confirmDelete(
  model: DownloadsViewModel,
  cached: ICachedModel,
  trans: TranslationBundle
): Promise<void> {
  const users = model.usersOf(cached.repo);
  if (users.length > 0) {
    await showDialog({
      title: trans.__('%1 is in use', cached.repo),
      body: trans.__(
        'The deployments %1 read this model from the volume. Delete them first.',
        users.join(', ')
      ),
      buttons: [Dialog.okButton({ label: trans.__('Close') })]
    });
    return;
  }
  const result = await showDialog({
    title: trans.__('Delete %1 from the volume?', cached.repo),
    body: trans.__(
      'This deletes %1 (%2, %3 revisions). Deployments of this model will have to download it again.',
      cacheFolder(cached.repo, model.target.mountPath),
      formatBytes(cached.sizeOnDisk),
      cached.revisions.length
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Keep') }),
      Dialog.warnButton({ label: trans.__('Delete') })
    ]
  });
  if (result.button.accept) {
    await model.deleteCached(cached.repo);
  }
}

function CacheView(props: IDownloadsSectionProps): JSX.Element {
  const { model, trans } = props;
  const { busy, report, error } = model.cache;
  return (
    <div className="jp-lws-Cache" data-testid="lws-cache">
      <div className="jp-lws-Cache-header">
        <h4>{trans.__('Models in the volume')}</h4>
        <button
          className="jp-mod-styled jp-mod-reject"
          disabled={busy !== null}
          data-testid="lws-cache-refresh"
          onClick={() => void model.refreshCache()}
        >
          {busy === 'list'
            ? trans.__('Listing…')
            : busy === 'delete'
              ? trans.__('Deleting…')
              : trans.__('List')}
        </button>
      </div>
      {error && (
        <p className="jp-lws-mod-error" data-testid="lws-cache-error">
          {error}
        </p>
      )}
      {report && (
        <>
          <p className="jp-lws-Cache-free" data-testid="lws-cache-free">
            {trans.__(
              '%1 free of %2',
              formatBytes(report.freeBytes),
              formatBytes(report.totalBytes)
            )}
          </p>
          {report.models.length === 0 ? (
            <p>{trans.__('No model yet.')}</p>
          ) : (
            <ul className="jp-lws-Cache-list">
              {report.models.map(cached => (
                <li
                  key={cached.repo}
                  data-testid="lws-cached-model"
                  data-repo={cached.repo}
                >
                  <span className="jp-lws-Cache-repo">
                    {untrustedText(cached.repo)}
                  </span>
                  <span className="jp-lws-Cache-size">
                    {formatBytes(cached.sizeOnDisk)}
                    {cached.incomplete ? ` ${trans.__('(incomplete)')}` : ''}
                  </span>
                  <button
                    className="jp-mod-styled jp-mod-warn"
                    disabled={busy !== null}
                    data-testid="lws-cached-delete"
                    onClick={() => void confirmDelete(model, cached, trans)}
                  >
                    {trans.__('Delete')}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
