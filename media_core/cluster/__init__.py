"""Cluster backend: API jobs queued on Celery (Redis broker) and run by ``reframe worker``
processes on any machine with the engine installed. Optional: ``pip install reframe[cluster]``.

- :mod:`.config`   backend URLs, queues per capability, path mapping for shared storage
- :mod:`.app`      the Celery application (late acks, one job at a time per worker)
- :mod:`.worker`   what a worker does with one job (the local execution path, no store of the server)
- :mod:`.backend`  the server side: a JobManager hook that sends jobs to the cluster and waits
"""
