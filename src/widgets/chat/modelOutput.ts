// Model output is untrusted Markdown: JupyterLab renders it untrusted (its sanitizer drops
// scripts, event handlers and javascript: links), and this adds what a chat with a model needs
// beyond a notebook: nothing that loads from a URL (an image whose address carries what a
// prompt injection made the model write is a classic leak), and bidi, zero-width and control
// characters shown rather than acted on.

import type { IRenderMime, IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { untrustedText } from '../../model/shownText';

/** Elements that fetch something or draw outside the text when shown. */
const EMBEDDING =
  'img, picture, source, video, audio, track, iframe, frame, object, embed, svg, math, link, style, form, input, button, textarea, select';

/** JupyterLab's sanitizer, then embedded content out and text made visible. */
export class ModelOutputSanitizer implements IRenderMime.ISanitizer {
  constructor(private readonly _base: IRenderMime.ISanitizer) {}

  getAutolink(): boolean {
    return this._base.getAutolink?.() ?? true;
  }

  sanitize(dirty: string, options?: IRenderMime.ISanitizerOptions): string {
    const clean = this._base.sanitize(dirty, options);
    // DOMParser's document is inert: parsing loads no image and runs nothing.
    const document = new DOMParser().parseFromString(clean, 'text/html');
    for (const element of document.body.querySelectorAll(EMBEDDING)) {
      const alt = element.getAttribute('alt');
      element.replaceWith(document.createTextNode(alt ? `[${alt}]` : ''));
    }
    const walker = document.createTreeWalker(
      document.body,
      NodeFilter.SHOW_TEXT
    );
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.nodeValue ?? '';
      const shown = untrustedText(text);
      if (shown !== text) {
        node.nodeValue = shown;
      }
    }
    return document.body.innerHTML;
  }
}

/** A registry like `rendermime` whose renderers sanitize as model output needs. */
export function modelOutputRendermime(
  rendermime: IRenderMimeRegistry
): IRenderMimeRegistry {
  return rendermime.clone({
    sanitizer: new ModelOutputSanitizer(rendermime.sanitizer)
  });
}
