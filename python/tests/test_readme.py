"""The README's Python example runs and prints what its comments say."""

import contextlib
import io
import re


def test_the_readmes_python_example_runs(repo):
    readme = (repo / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) == 1, "one Python example in the README"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(blocks[0], "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert lines[0] == "provider"
    assert lines[1] == "on-prem"
    assert lines[2] == "['customer', 'provider']"
    assert int(lines[3]) == 287  # every control of NIST's MODERATE baseline
    # The comments in the example say what it prints.
    assert "# provider" in blocks[0] and "# on-prem" in blocks[0]
