"""The oscrypto version-detection fix (skill/server/openssl_compat.py)."""
from __future__ import annotations

import re
import subprocess
import sys

from skill.server import openssl_compat


def _version_regex(source: str) -> str:
    found = re.search(r"version_match = re\.search\('(.+?)', version_string\)", source)
    assert found, source
    return found.group(1).replace("\\\\", "\\")


def test_the_widened_pattern_reads_two_digit_patch_numbers():
    fixed = _version_regex(openssl_compat.widen_version_pattern(
        "version_match = re.search('\\\\b(\\\\d\\\\.\\\\d\\\\.\\\\d[a-z]*)\\\\b', version_string)"
    ))
    for banner, version in [("OpenSSL 3.0.19 27 Jan 2026", "3.0.19"), ("OpenSSL 1.1.1w  11 Sep 2023", "1.1.1w"), ("OpenSSL 3.0.2 15 Mar 2022", "3.0.2")]:
        found = re.search(fixed, banner)
        assert found and found.group(1) == version


def test_the_original_pattern_fails_on_a_two_digit_patch_number():
    """Documents the upstream bug the fix exists for, so the fix can be dropped when it is gone."""
    original = _version_regex("version_match = re.search('" + openssl_compat.BROKEN_PATTERN[1:-1] + "', version_string)")
    assert re.search(original, "OpenSSL 3.0.19 27 Jan 2026") is None


def test_the_verifier_imports_and_oscrypto_reads_this_machines_openssl():
    code = (
        "import ssl, skill.server.verification, oscrypto._openssl._libcrypto as lib;"
        "print(lib.libcrypto_version, '|', ssl.OPENSSL_VERSION)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    detected, _banner = result.stdout.strip().split(" | ")
    assert re.fullmatch(r"\d+\.\d+\.\d+[a-z]*", detected), detected


def test_installing_twice_adds_one_finder():
    openssl_compat.install()
    openssl_compat.install()
    assert sum(isinstance(f, openssl_compat._OscryptoVersionFinder) for f in sys.meta_path) == 1
