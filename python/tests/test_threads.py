"""One policy serves many threads at once, with the GIL released while Rust
works: every thread gets exactly the serial answers."""

from concurrent.futures import ThreadPoolExecutor

import onus
import pyarrow as pa


def test_threads_calling_one_policy_at_once_get_the_serial_answers():
    policy = onus.Policy.builtin("azure-baselines")
    services = policy.dimensions["service"]
    serial = {s: policy.eval(service=s).to_json() for s in services}
    table = pa.table({"service": list(services) * 50})
    serial_table = policy.eval_arrow(table)

    def work(i):
        service = services[i % len(services)]
        answer = policy.eval(service=service).to_json()
        many = [r.to_json() for r in policy.eval_many([{"service": service}] * 20)]
        arrow = policy.eval_arrow(table) if i % 16 == 0 else serial_table
        return service, answer, many, arrow

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(400)))
    for service, answer, many, arrow in results:
        assert answer == serial[service]
        assert all(m["decisions"] == serial[service]["decisions"] for m in many)
        assert arrow.equals(serial_table)


def test_rust_runs_without_the_gil():
    """While one thread is in a long eval_arrow, another runs Python: it
    could not if the call held the GIL. The other thread gives the GIL up
    at every step (sleep(0)) and the switch interval is 100 s, so it only
    gets the GIL back while the caller has released it (a pure-Python call
    of the same length lets it count 0)."""
    import sys
    import threading
    import time

    policy = onus.Policy.builtin("azure")
    table = pa.table({"model": ["iaas", "paas", "saas", "on-prem"] * 500_000})
    progress = [0]
    finished = threading.Event()

    def count():
        while not finished.is_set():
            progress[0] += 1
            time.sleep(0)

    interval = sys.getswitchinterval()
    counter = threading.Thread(target=count)
    counter.start()
    sys.setswitchinterval(100.0)
    try:
        before = progress[0]
        policy.eval_arrow(table)
        during = progress[0] - before
    finally:
        sys.setswitchinterval(interval)
        finished.set()
        counter.join()
    assert during > 20, f"the other thread counted {during} while Rust worked"
