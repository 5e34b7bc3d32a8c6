// The chat's sanitizer on top of JupyterLab's real one (jsdom). The whole path, Markdown
// renderer included, runs in the browser in ui-tests/tests/untrusted-text.spec.ts.

// The module, not the package's index: that pulls in ES-module-only UI components.
import { Sanitizer } from '@jupyterlab/apputils/lib/sanitizer';

import { ModelOutputSanitizer } from '../modelOutput';

describe('ModelOutputSanitizer', () => {
  const sanitizer = new ModelOutputSanitizer(new Sanitizer());

  it('keeps text and formatting, drops what runs or loads', () => {
    const html = sanitizer.sanitize(
      '<p><strong>bold</strong> <img src="x" alt="tracker"> <svg onload="x()"></svg>' +
        '<iframe src="y"></iframe> <a href="javascript:x()">click</a></p>'
    );
    const host = document.createElement('div');
    host.innerHTML = html;
    expect(host.querySelector('strong')?.textContent).toBe('bold');
    expect(host.querySelectorAll('img, svg, iframe, [onload]')).toHaveLength(0);
    expect(host.querySelector('a')?.getAttribute('href') ?? null).toBeNull();
    expect(host.textContent).toContain('[tracker]');
    expect(host.textContent).toContain('click');
  });

  it('shows bidi and zero-width characters in the text', () => {
    expect(sanitizer.sanitize('<p>user\u202egnp.exe a\u200bb</p>')).toBe(
      '<p>user\\u{202E}gnp.exe a\\u{200B}b</p>'
    );
  });
});
