"""The house: skill/ is grouped into rooms on floors, and no module imports from a floor above its own.

Entry points sit on top (create_app, the Lambda handler, the developer tools), then the conversation, then the
endpoint, the words and the store side by side (none imports another), then Alexa's platform, then the pure
state machine, settings and log hygiene, and under them the ids the code speaks by (skill/ids.py). Imports inside
functions count too, and no two modules import each other,
directly or round a longer circle. A test here fails with the importing module, the imported one and their floors.
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

SKILL = Path(__file__).resolve().parent.parent / "skill"

# room -> floor; a module may import its own room and any room on a lower floor.
FLOORS = {
    "skill": 5, "factory": 5, "lambda_function": 5, "simulate": 5, "package": 5, "__main__": 5, "dev": 5,
    "conversation": 4,
    "server": 3, "words": 3, "storage": 3,
    "platform": 2,
    "routine": 1, "config": 1, "logsafe": 1,
    "ids": 0,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SKILL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str) -> bool:
    path = SKILL.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports() -> dict[str, set[str]]:
    """Every skill module and the skill modules it imports, anywhere in its code (a copy for each test)."""
    return {module: set(targets) for module, targets in _parsed().items()}


@functools.cache
def _parsed() -> dict[str, set[str]]:
    """The import graph, read once per run: parsing every module takes a tenth of a second."""
    graph: dict[str, set[str]] = {}
    for path in sorted(SKILL.rglob("*.py")):
        name = module_name(path)
        found = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level:
                raise AssertionError(f"{name}: relative import; the house uses absolute names (skill.<room>.<module>)")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "skill":
                for alias in node.names:
                    whole = f"{node.module}.{alias.name}"
                    found.add(whole if is_module(whole) else node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "skill")
        found.discard(name)
    return graph


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "skill"


def test_every_room_has_a_floor():
    rooms = {room(module) for module in imports()}
    assert rooms <= FLOORS.keys(), f"rooms with no floor in this test: {sorted(rooms - FLOORS.keys())}"


def test_no_module_imports_from_a_floor_above_or_beside_its_own():
    wrong = []
    for module, targets in imports().items():
        for target in targets:
            mine, theirs = room(module), room(target)
            if mine != theirs and FLOORS[theirs] >= FLOORS[mine] and FLOORS[mine] != 5:
                wrong.append(f"{module} (floor {FLOORS[mine]}) imports {target} (floor {FLOORS[theirs]})")
    assert not wrong, "\n".join(wrong)


def test_no_circles():
    graph = imports()
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def walk(module: str, path: list[str]) -> list[str] | None:
        seen[module] = 1
        for target in sorted(graph.get(module, ())):
            if seen.get(target) == 1:
                return [*path, module, target]
            if target not in seen and (circle := walk(target, [*path, module])):
                return circle
        seen[module] = 2
        return None

    for module in sorted(graph):
        if module not in seen and (circle := walk(module, [])):
            raise AssertionError("import circle: " + " -> ".join(circle[circle.index(circle[-1]):]))


def test_the_runtime_never_imports_a_developer_tool():
    wrong = [f"{module} imports {target}" for module, targets in imports().items() if room(module) not in ("dev", "simulate", "package")
             for target in targets if room(target) == "dev"]
    assert not wrong, "\n".join(wrong)
