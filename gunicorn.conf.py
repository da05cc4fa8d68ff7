"""gunicorn reads this from the working directory: request-latency metrics shared by all web worker processes."""
import os
import shutil
import tempfile


def on_starting(server):
    # Each worker writes its histograms to files here; a scrape of any worker reads them all (prometheus_client's
    # multiprocess mode). A fresh directory per master, so a restart does not count old processes.
    default = os.path.join(tempfile.gettempdir(), f'miniapp-metrics-{os.getpid()}')
    directory = os.environ.setdefault('PROMETHEUS_MULTIPROC_DIR', default)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    # glibc gives each thread that allocates its own malloc arena and keeps freed memory in it: with gthread
    # workers, photos decoded one after another on different threads pile up ~50 MB per arena. Two arenas
    # keep a worker near its resting size (the Procfile's web line runs gthread).
    import ctypes
    import ctypes.util

    libc = ctypes.util.find_library('c')
    if libc:
        M_ARENA_MAX = -8
        ctypes.CDLL(libc).mallopt(M_ARENA_MAX, 2)
