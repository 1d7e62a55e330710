"""Start an entry point as a new interpreter would, in a fork of the test process: no interpreter to start and no
skill to import again (a new one costs about 0.7 s of CPU, a fork a few milliseconds).

The child gets the settings, folder and arguments asked for, fds 1 and 2 (and sys.stdout, sys.stderr) on pipes, and
logging and warnings as a new interpreter has them (pytest's capture handlers and filters gone); it runs the file
with runpy, as `python FILE` or `runpy.run_path(FILE, run_name=...)` does, and ends with the exit status Python would
give (never returning into pytest). The parent reads both pipes and returns a subprocess.CompletedProcess.

What a fork cannot show stays a real subprocess: anything that depends on a new interpreter's imports or search path
(PYTHONPATH, a module not loaded yet), and a process that must be killed or must serve. So every entry point is still
started for real somewhere: app.py in tests/test_startup.py (a package hidden by PYTHONPATH) and tests/test_memory.py
(kill -9), gunicorn in tests/test_startup.py, tests/test_http.py and tests/test_store_faults.py, the Lambda bundle in
tests/test_dynamodb.py, tests/test_deploy.py and tests/test_lambda.py.
"""
from __future__ import annotations

import faulthandler
import importlib.machinery
import logging
import os
import runpy
import selectors
import signal
import subprocess
import sys
import time
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

# What a new interpreter finds modules with (pytest's assertion rewriter and .pth files' finders come on top)
NEW_INTERPRETER_FINDERS = (importlib.machinery.BuiltinImporter, importlib.machinery.FrozenImporter,
                           importlib.machinery.PathFinder)


def run_file(path: str | Path, argv: Sequence[str], env: dict[str, str], cwd: str | Path, *, run_name: str = "__main__",
             timeout: float = 60, fresh: Sequence[str] = (), search_path: Sequence[str] | None = None,
             ) -> subprocess.CompletedProcess[str]:
    """Run `path` in a forked child as `python` would run it; its exit status, stdout and stderr.

    `fresh`: top-level modules the child forgets before it runs, so they are imported again from `search_path`
    (sys.path in the child: the search path a new interpreter would have). A child still running after `timeout`
    seconds is killed and subprocess.TimeoutExpired raised, as subprocess.run does.
    """
    args = [sys.executable, str(path), *argv[1:]]
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    _flush()  # nothing of the parent's waiting in a buffer is written twice
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(out_read)
            os.close(err_read)
            _become_new_process(out_write, err_write, env, cwd, argv, fresh, search_path)
            status = _run(str(path), run_name)
        except BaseException:
            traceback.print_exc()
        finally:
            _flush()
            os._exit(status)
    os.close(out_write)
    os.close(err_write)
    try:
        stdout, stderr = _read_both(out_read, err_read, timeout)
    except BaseException as error:  # a child that hangs (or a test run interrupted) leaves no process behind
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        if isinstance(error, subprocess.TimeoutExpired):
            raise subprocess.TimeoutExpired(args, timeout) from None
        raise
    finally:
        os.close(out_read)
        os.close(err_read)
    _, wait_status = os.waitpid(pid, 0)
    return subprocess.CompletedProcess(args, os.waitstatus_to_exitcode(wait_status), stdout, stderr)


def _flush() -> None:
    """Write out what sys.stdout and sys.stderr (and the streams on fds 1 and 2 under them) hold."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


def _become_new_process(out_write: int, err_write: int, env: dict[str, str], cwd: str | Path, argv: Sequence[str],
                        fresh: Sequence[str], search_path: Sequence[str] | None) -> None:
    """The forked child, made to look like a new interpreter to the code it runs."""
    faulthandler.disable()  # pytest points it at its own copy of the terminal
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(out_write, 1)
    os.dup2(err_write, 2)
    os.close(out_write)
    os.close(err_write)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # lives until os._exit
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = list(argv)
    if search_path is not None:  # as `python -I -S -B` with this search path: no .pth file's import hook (the
        sys.path[:] = search_path  # editable install's finder of the checkout), no bytecode written
        sys.meta_path[:] = [finder for finder in sys.meta_path if finder in NEW_INTERPRETER_FINDERS]
        sys.path_importer_cache.clear()
        sys.dont_write_bytecode = True
    for name in list(sys.modules):
        if name.split(".")[0] in fresh:
            del sys.modules[name]
    # Logging as a new interpreter has it: no handlers on the root logger (pytest adds its own) and no level set.
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger) and logger.name.split(".")[0] == "skill":
            logger.setLevel(logging.NOTSET)
    logging.disable(logging.NOTSET)
    # Warnings as a new interpreter has them: Python's default filters, shown on stderr (pytest records them).
    warnings.resetwarnings()
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.simplefilter("ignore", category)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    warnings.showwarning = _show_warning


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int, file: TextIO | None = None,
                  line: str | None = None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _run(path: str, run_name: str) -> int:
    """Run the file; the exit status Python gives for how it ended."""
    try:
        runpy.run_path(path, run_name=run_name)
    except SystemExit as stop:
        if stop.code is None:
            return 0
        if isinstance(stop.code, int):
            return stop.code & 0xFF
        print(stop.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def _read_both(out_read: int, err_read: int, timeout: float) -> tuple[str, str]:
    """Everything the child writes to stdout and stderr, until it closes both; TimeoutExpired after `timeout` s."""
    chunks: dict[int, list[bytes]] = {out_read: [], err_read: []}
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while selector.get_map():
            left = deadline - time.monotonic()
            ready = selector.select(left) if left > 0 else []
            if not ready:
                raise subprocess.TimeoutExpired([], timeout)
            for key, _ in ready:
                data = os.read(key.fd, 65536)
                if data:
                    chunks[key.fd].append(data)
                else:
                    selector.unregister(key.fd)
    return (b"".join(chunks[out_read]).decode("utf-8", "replace"), b"".join(chunks[err_read]).decode("utf-8", "replace"))
