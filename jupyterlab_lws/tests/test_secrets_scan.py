"""scripts/secrets_scan.py finds a planted test token as text and in base64 at any alignment,
names the file, and finds every token the UI tests use (issue 16)."""

from __future__ import annotations

import base64
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "scripts" / "secrets_scan.py"


@pytest.fixture(scope="module")
def secrets_scan():
    spec = importlib.util.spec_from_file_location("secrets_scan", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOKEN = "hf_plantedTokenForTheScan77"


def test_the_tokens_of_the_ui_tests_are_found(secrets_scan):
    tokens = secrets_scan.tokens_in_specs(SCRIPT.parents[1] / "ui-tests" / "tests")
    assert "hf_uiTestTokenNeverShown0123" in tokens
    assert "test-token-for-a-download" in tokens


@pytest.mark.parametrize("prefix", [b"", b"a", b"ab", b'{"data":{"token":"'])
def test_a_planted_token_is_found_as_text_and_in_base64(secrets_scan, tmp_path, prefix):
    plain = tmp_path / "server.log"
    plain.write_bytes(prefix + TOKEN.encode() + b" trailing")
    encoded = tmp_path / "state.json"
    encoded.write_bytes(base64.b64encode(prefix + TOKEN.encode() + b"\n"))
    clean = tmp_path / "clean.json"
    clean.write_text('{"token": "hf_someOtherValue"}')
    findings = secrets_scan.scan([plain, encoded, clean], {TOKEN})
    assert findings == [
        f"{plain}: the test token {TOKEN!r} as text, 1 time(s)",
        f"{encoded}: the test token {TOKEN!r} in base64, 1 time(s)",
    ]
