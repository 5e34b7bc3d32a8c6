import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * Translates a text the model produced (a state reason, a diagnosis, a form issue): the
 * project's one rule for such text. src/model writes English sentences with the values in
 * them; views pass them through here, so they are looked up in the catalog as they are and
 * shown unchanged when it has none. Views never build sentences out of model fragments.
 */
export function translateData(trans: TranslationBundle, text: string): string {
  // eslint-disable-next-line jupyter/no-dynamic-translation
  return trans.__(text);
}
