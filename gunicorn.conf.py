"""gunicorn settings for ``make run`` and the container.

gthread workers: a long-polling ``_changes`` request holds a thread while it waits, so a
sync worker (one request at a time) would stall every other client (gunicorn's docs on
choosing a worker type). Several processes share the SQLite store through WAL.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "32"))
keepalive = 30
timeout = 120
graceful_timeout = 10
accesslog = "-" if os.environ.get("ACCESS_LOG", "1") == "1" else None
# Paths carry database and document ids only; bodies and credentials never reach the log.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
