"""The signals cache key (`engines.local.signals_key`) covers exactly the code signals and
rows are made by (`SIGNALS_CODE` + `COMMON_CODE`): those modules import no other storytrace
module, and in a copy of the package a change to the clusterer's scoring leaves the key
as it was (while the events stage's code version changes), a change to the signals' code
changes it."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from storytrace.engines import local

PACKAGE = Path(local.__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    """Package-relative files of the storytrace modules a module imports (anywhere in it)."""
    here = path.relative_to(PACKAGE).parent
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here
                for _ in range(node.level - 1):
                    base = base.parent
                parts = [p for p in (node.module or "").split(".") if p]
            elif (node.module or "").startswith("storytrace"):
                base, parts = Path("."), node.module.split(".")[1:]
            else:
                continue
            target = base.joinpath(*parts)
            # `from .x import y`: module x; `from . import y` / `from .. import y`: module y, or
            # a name of that package's __init__
            for candidate in ([target] if parts else [target / a.name for a in node.names]):
                if (PACKAGE / f"{candidate}.py").is_file():
                    out.add(f"{candidate.as_posix()}.py")
                elif (PACKAGE / candidate / "__init__.py").is_file():
                    out.add((candidate / "__init__.py").as_posix())
                else:
                    out.add((candidate.parent / "__init__.py").as_posix().removeprefix("./"))
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("storytrace") for a in node.names), path
    return out


def test_signals_code_imports_nothing_outside_itself():
    covered = set(local.SIGNALS_CODE) | set(local.COMMON_CODE)
    assert all((PACKAGE / p).is_file() for p in local.SIGNALS_CODE)
    for part in local.SIGNALS_CODE:
        outside = {m for m in _imports(PACKAGE / part) if m not in covered and m != "__init__.py"}
        assert not outside, f"{part} imports {sorted(outside)}: add them to SIGNALS_CODE"
    # the check itself sees function-level imports
    assert "events/gazetteer.py" in _imports(PACKAGE / "events" / "entities.py")
    assert "events/similarity.py" in _imports(PACKAGE / "events" / "cluster.py")
    assert "__init__.py" in _imports(PACKAGE / "engines" / "local.py")      # `from .. import __version__`


def test_key_follows_the_signals_code_only(tmp_path):
    code = r"""
import json
from storytrace.model import Article
from storytrace.engines import local
art = Article(id="a1", source_path="x.txt", title="李强会见范明政", text="新华社河内电 国务院总理李强会见越南总理范明政。")
print(json.dumps([local.signals_key(art), local.code_version("events")]))
"""

    def key(src: Path) -> list[str]:
        env = {**os.environ, "PYTHONPATH": str(src)}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "storytrace", ignore=shutil.ignore_patterns("__pycache__"))
    first = key(src)
    with open(src / "storytrace" / "events" / "similarity.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a change to how pairs are scored\n")
    scored = key(src)
    assert scored[0] == first[0] and scored[1] != first[1]
    with open(src / "storytrace" / "events" / "entities.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a change to how entities are read\n")
    assert key(src)[0] != first[0]
