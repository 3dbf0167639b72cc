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
