"""Search everything the product wrote during the Galata run for the test tokens (issue 16).

The UI tests type made-up Hugging Face tokens into the forms; each must reach its Secret and
nowhere else. After the whole Galata run (scripts/test-all.sh) this searches, for every token
the specs under ui-tests/tests use, as text and in base64 at any alignment (a Secret's
``data``):

- the Jupyter servers' logs (ui-tests/.scan/jupyter-server*.log, teed by the Playwright configs),
- what the browser kept after each token test (ui-tests/.scan/browser/*.json: local and session
  storage, cookies, IndexedDB, the state database's workspace, the page),
- the JupyterLab workspaces (ui-tests/.scan/workspaces, and the user's ~/.jupyter/lab/workspaces),
- the server's root folder (ui-tests/.jupyter-root: exported specs, rendered manifests),
- the test results and the HTML report, except Playwright traces (``*.zip``): a trace records
  the browser's own requests, which carry the token to the Secret by design.

Prints each occurrence and exits 1 when any is found (or when there is nothing to search,
which means the run did not write what this scan expects). Usage: python3 scripts/secrets_scan.py
"""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_TESTS = ROOT / "ui-tests"
SCAN = UI_TESTS / ".scan"

# A test token: a made-up `hf_...` literal, or the value of a constant named *TOKEN.
_HF_LITERAL = re.compile(r"\bhf_[A-Za-z0-9]{6,}\b")
_TOKEN_CONSTANT = re.compile(r"\b[A-Z_]*TOKEN\s*=\s*['\"]([^'\"]{8,})['\"]")


def tokens_in_specs(specs: Path) -> set[str]:
    """Every token the UI tests type or plant."""
    tokens: set[str] = set()
    for spec in specs.rglob("*.ts"):
        text = spec.read_text(encoding="utf-8")
        tokens.update(_HF_LITERAL.findall(text))
        tokens.update(_TOKEN_CONSTANT.findall(text))
    return tokens


def encodings(token: str) -> set[bytes]:
    """``token`` as bytes, and the part of its base64 that is the same at any of the three
    alignments it can have inside a longer encoded value."""
    raw = token.encode()
    forms = {raw}
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        # Drop the characters that mix in the neighbouring bytes on either side.
        start = (shift * 4 + 2) // 3
        end = ((shift + len(raw)) // 3) * 4
        stable = encoded[start:end]
        if len(stable) >= 8:
            forms.add(stable)
            forms.add(stable.replace(b"+", b"-").replace(b"/", b"_"))
    return forms


def scanned_files() -> list[Path]:
    """The files the product may have written during the run (missing places are skipped)."""
    places = [
        SCAN,
        UI_TESTS / ".jupyter-root",
        UI_TESTS / "test-results",
        UI_TESTS / "playwright-report",
        Path.home() / ".jupyter" / "lab" / "workspaces",
    ]
    files: list[Path] = []
    for place in places:
        if place.is_file():
            files.append(place)
        elif place.is_dir():
            files.extend(
                path
                for path in sorted(place.rglob("*"))
                if path.is_file() and path.suffix != ".zip"
            )
    return files


def main() -> int:
    tokens = tokens_in_specs(UI_TESTS / "tests")
    if not tokens:
        print("secrets scan: no test token found in ui-tests/tests: nothing to look for")
        return 1
    expected = [SCAN / "jupyter-server.log", SCAN / "browser"]
    missing = [str(path.relative_to(ROOT)) for path in expected if not path.exists()]
    if missing:
        print(f"secrets scan: {', '.join(missing)} missing: did the Galata run write them?")
        return 1
    files = scanned_files()
    findings = scan(files, tokens)
    for finding in findings:
        print(f"SECRET FOUND: {finding}")
    print(f"secrets scan: {len(tokens)} test tokens in {len(files)} files: {len(findings)} found")
    return 1 if findings else 0


def scan(files: list[Path], tokens: set[str]) -> list[str]:
    """One line per file and token found: the file, the token, how and how often."""
    patterns = {form: token for token in tokens for form in encodings(token)}
    findings = []
    for path in files:
        content = path.read_bytes()
        for form, token in patterns.items():
            count = content.count(form)
            if count:
                how = "as text" if form == token.encode() else "in base64"
                findings.append(f"{path}: the test token {token!r} {how}, {count} time(s)")
    return findings


if __name__ == "__main__":
    sys.exit(main())
