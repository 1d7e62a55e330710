"""gunicorn settings that hold up on their own: `gunicorn -c gunicorn.conf.py app:app`.

Two ways of serving, chosen by where gunicorn stands; both measured for tail latency and for slow clients
together (docs/performance.md, bench/configs.py and bench/slow_clients.py):

On its own (the default): threaded workers, 16 threads each. With the sync worker each connection holds a
whole worker, so two clients that send their headers or body slowly stalled a two-worker deployment until
the worker timeout (measured: 8 of 17 real requests failed in a minute). With gthread a connection waits in
the worker's poller until it has data, so a handful of slow clients cannot starve real requests
(tests/test_http.py holds eight while real requests are answered; 16 threads also kept answering with 16
held, 4 or 2 threads did not). The price is the tail: several threads of one worker take turns at the GIL.

Behind a proxy that buffers whole requests (GUNICORN_BEHIND_PROXY=true; nginx does by default, see README):
sync workers. The proxy holds the slow clients (64 of them delayed no request), and a worker that runs one
request at a time has no other thread to wait for: p99 about a third of the threaded workers'.
Every value can be overridden with gunicorn's own flags or GUNICORN_CMD_ARGS.
"""
import os
import sys


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    # A misspelt setting stops start-up with one line, never guessed (and never a traceback).
    print(f"gunicorn.conf.py: {name}={value!r} is not true or false: set it to true (behind a buffering proxy) "
          "or false", file=sys.stderr)
    raise SystemExit(1)


behind_proxy = _flag("GUNICORN_BEHIND_PROXY")
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "sync" if behind_proxy else "gthread"
threads = 1 if behind_proxy else int(os.environ.get("GUNICORN_THREADS", "16"))
timeout = 30  # a worker that stops answering its arbiter this long is replaced
graceful_timeout = 10
keepalive = 5  # Alexa reuses connections; an idle one is closed after this many seconds (threaded workers)
# Alexa's requests are small: refuse oversized request lines and headers before the app sees them.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
