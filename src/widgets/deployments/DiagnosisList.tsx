import type { TranslationBundle } from '@jupyterlab/translation';
import { errorIcon, infoIcon } from '@jupyterlab/ui-components';
import React from 'react';

import type { IDiagnosis } from '../../model/diagnose';
import { untrustedText } from '../../model/shownText';
import { translateData } from '../translateData';

/** Known failures found in a deployment's events and logs: cause, fix and evidence line. */
export function DiagnosisList(props: {
  diagnoses: IDiagnosis[];
  trans: TranslationBundle;
}): JSX.Element | null {
  const { diagnoses, trans } = props;
  if (diagnoses.length === 0) {
    return null;
  }
  return (
    <section
      className="jp-lws-Diagnoses"
      data-testid="lws-diagnoses"
      aria-label={trans.__('Diagnosis')}
    >
      {diagnoses.map(diagnosis => {
        const Icon = diagnosis.severity === 'error' ? errorIcon : infoIcon;
        return (
          <article
            key={diagnosis.id}
            className={`jp-lws-Diagnosis jp-lws-mod-${diagnosis.severity}`}
            data-testid="lws-diagnosis"
            data-diagnosis-id={diagnosis.id}
            role={diagnosis.severity === 'error' ? 'alert' : undefined}
          >
            <h4 className="jp-lws-Diagnosis-title">
              <Icon.react tag="span" className="jp-lws-Diagnosis-icon" />
              {translateData(trans, diagnosis.title)}
            </h4>
            <p className="jp-lws-Diagnosis-cause">
              <strong>{trans.__('Cause:')}</strong>{' '}
              {translateData(trans, diagnosis.cause)}
            </p>
            <p className="jp-lws-Diagnosis-fix" data-testid="lws-diagnosis-fix">
              <strong>{trans.__('Fix:')}</strong>{' '}
              {translateData(trans, diagnosis.fix)}
            </p>
            {diagnosis.pod !== undefined && (
              <p className="jp-lws-Diagnosis-pod">
                {diagnosis.first
                  ? trans.__(
                      'In pod %1, whose error came first.',
                      diagnosis.pod
                    )
                  : trans.__('In pod %1.', diagnosis.pod)}
              </p>
            )}
            <pre
              className="jp-lws-Diagnosis-evidence"
              title={trans.__('The line that shows it')}
            >
              {untrustedText(
                diagnosis.context
                  ? diagnosis.context.join('\n')
                  : diagnosis.evidence
              )}
            </pre>
          </article>
        );
      })}
    </section>
  );
}
