"""gunicorn settings for ``make run`` and the container.

gevent workers: every tablet and phone holds a live changes feed open, and most of the time
each one just waits. A greenlet per connection makes a waiting feed cost a few kilobytes
instead of an OS thread, so a worker holds thousands (``worker_connections``); blocking C
work (SQLite writes, argon2) runs in small pools of OS threads (``server/concurrency.py``).
Several processes use both cores and share the SQLite store through WAL.

The keep-alive time also bounds how long a client may take to send a request's header:
gunicorn reads each header under that timeout and then closes the connection.
"""

import os
import resource

# Each connection is a file descriptor: lift the soft limit to the hard one for the workers.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "gevent"
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_connections = int(os.environ.get("WEB_CONNECTIONS", "5000"))
keepalive = int(os.environ.get("WEB_HEADER_TIMEOUT", "10"))
timeout = 120
graceful_timeout = 10
# ACCESS_LOG: 1 (stdout, the default), 0 (none) or a file to append to.
_access = os.environ.get("ACCESS_LOG", "1")
accesslog = {"1": "-", "0": None}.get(_access, _access)
logger_class = "server.access_log.AccessLogger"
# Paths carry database and document ids only; bodies and credentials never reach the log.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
