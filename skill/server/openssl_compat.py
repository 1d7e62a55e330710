"""Make oscrypto 1.3.0 import on OpenSSL versions with a two-digit patch number.

Why this exists: ask-sdk-webservice-support verifies Alexa's certificate chain
with certvalidator, which imports oscrypto. oscrypto 1.3.0 (the last release)
finds the libcrypto version with the pattern ``\\b(\\d\\.\\d\\.\\d[a-z]*)\\b``.
On "OpenSSL 3.0.19" the single ``\\d`` for the patch number stops at "1", the
word boundary before "9" fails, no version is found and the import raises
``LibraryNotFoundError: Error detecting the version of libcrypto`` (upstream
wbond/oscrypto issue 78; fixed on its main branch, never released to PyPI).

The fix: a meta-path finder that loads the two oscrypto modules holding that
pattern (the cffi and the ctypes binding; oscrypto picks one) from their own
source with the pattern widened to ``\\d+`` per part, exactly as upstream did.
It touches nothing else, and only applies while the installed source still holds
the old pattern, so a fixed oscrypto release turns it into a no-op.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

# The modules whose version detection is broken, and the text to replace.
PATCHED_MODULES = (
    "oscrypto._openssl._libcrypto_cffi",
    "oscrypto._openssl._libcrypto_ctypes",
)
BROKEN_PATTERN = "'\\\\b(\\\\d\\\\.\\\\d\\\\.\\\\d[a-z]*)\\\\b'"
FIXED_PATTERN = "'\\\\b(\\\\d+\\\\.\\\\d+\\\\.\\\\d+[a-z]*)\\\\b'"


def widen_version_pattern(source: str) -> str:
    """Return oscrypto module source with the libcrypto version pattern fixed."""
    return source.replace(BROKEN_PATTERN, FIXED_PATTERN)


class _PatchedSourceLoader(importlib.machinery.SourceFileLoader):
    """Loads a module from its file with the version pattern widened."""

    def get_code(self, fullname: str):  # type: ignore[override]
        source = self.get_data(self.path).decode("utf-8")
        return compile(widen_version_pattern(source), self.path, "exec", dont_inherit=True)


class _OscryptoVersionFinder(importlib.abc.MetaPathFinder):
    """Hands the two affected oscrypto modules to the patching loader."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ):
        if fullname not in PATCHED_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        spec.loader = _PatchedSourceLoader(fullname, spec.origin)
        return spec


def install() -> None:
    """Install the finder once; call before anything imports certvalidator."""
    if not any(isinstance(finder, _OscryptoVersionFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _OscryptoVersionFinder())
