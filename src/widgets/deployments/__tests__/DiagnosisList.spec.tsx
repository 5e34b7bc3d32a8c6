import { nullTranslator } from '@jupyterlab/translation';
import React from 'react';

import { diagnose } from '../../../model/diagnose';
import { DiagnosisList } from '../DiagnosisList';

// @jupyterlab/ui-components is an ES module jest.config.js does not transform (see
// DeploymentDetail.spec.tsx); the list only needs two icons.
jest.mock('@jupyterlab/ui-components', () => ({
  errorIcon: { react: () => null },
  infoIcon: { react: () => null }
}));

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createRoot } = require('react-dom/client') as {
  createRoot(node: Element): { render(element: React.ReactNode): void };
};
const act = (React as unknown as { act(callback: () => void): void }).act;
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

const trans = nullTranslator.load('jupyterlab_lws');

it('shows an unknown first error with its pod and traceback, as text', () => {
  const found = diagnose({
    pods: [
      {
        name: 'llama-0-1',
        logs: [
          'Traceback (most recent call last):',
          '  File "/app/x.py", line 1, in <module>',
          'ValueError: <b>not html</b>'
        ].join('\n')
      }
    ],
    failing: true
  });
  const host = document.createElement('div');
  act(() =>
    createRoot(host).render(<DiagnosisList diagnoses={found} trans={trans} />)
  );
  const article = host.querySelector('[data-diagnosis-id="unknown-error"]')!;
  expect(article.querySelector('.jp-lws-Diagnosis-pod')?.textContent).toBe(
    'In pod llama-0-1.'
  );
  const evidence = article.querySelector('.jp-lws-Diagnosis-evidence')!;
  expect(evidence.textContent).toContain('Traceback (most recent call last):');
  expect(evidence.textContent).toContain('ValueError: <b>not html</b>');
  expect(evidence.querySelector('b')).toBeNull();
});
