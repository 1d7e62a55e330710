"""gunicorn settings that hold up on their own: `gunicorn -c gunicorn.conf.py app:app`.

Why threaded workers: with the sync worker each connection holds a whole worker, so two clients
that send their headers or body slowly stalled a two-worker deployment until the worker timeout
(measured: 8 of 17 real requests failed in a minute). With gthread, a connection waits in the
worker's poller until it has data, and then holds one of `threads` threads, not the worker, so a
handful of slow clients cannot starve real requests (tests/test_attacks.py holds eight while real
requests are answered; bench/slow_clients.py measures it). A reverse proxy that buffers whole
requests (nginx does by default) keeps slow clients away from gunicorn altogether: see README.
Every value can be overridden with gunicorn's own flags or GUNICORN_CMD_ARGS.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
timeout = 30  # a worker that stops answering its arbiter this long is replaced
graceful_timeout = 10
keepalive = 5  # Alexa reuses connections; an idle one is closed after this many seconds
# Alexa's requests are small: refuse oversized request lines and headers before the app sees them.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
