import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * Translates a text the model produced (a state reason, a diagnosis): the model's strings
 * are data, looked up in the catalog as they are, and shown unchanged when it has none.
 */
export function translateData(trans: TranslationBundle, text: string): string {
  // eslint-disable-next-line jupyter/no-dynamic-translation
  return trans.__(text);
}
