"""An import-linter contract that import-linter does not ship: no import cycle among modules.

Counts every import grimp finds, those inside functions and under TYPE_CHECKING too, so a cycle
cannot hide behind an import placed in a function body.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from importlinter.application import output
from importlinter.domain.contract import Contract, ContractCheck


def import_cycles(imports: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The groups of modules that import each other in a circle (strongly connected components
    of two or more modules, or a module importing itself), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    for root in sorted(imports):
        if root in index:
            continue
        # Tarjan's algorithm, iteratively: each frame is a module and what it has left to visit.
        frames = [(root, iter(sorted(imports.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while frames:
            module, pending = frames[-1]
            for imported in pending:
                if imported not in index:
                    index[imported] = low[imported] = len(index)
                    stack.append(imported)
                    on_stack.add(imported)
                    frames.append((imported, iter(sorted(imports.get(imported, ())))))
                    break
                if imported in on_stack:
                    low[module] = min(low[module], index[imported])
            else:
                frames.pop()
                if frames:
                    parent = frames[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1 or module in imports.get(module, ()):
                        cycles.append(sorted(component))
    return sorted(cycles)


class AcyclicContract(Contract):
    """No module imports, directly or through others, a module that imports it back."""

    type_name = "acyclic"

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        imports = {
            module: graph.find_modules_directly_imported_by(module) for module in graph.modules
        }
        circles = []
        for cycle in import_cycles(imports):
            start = cycle[0]
            after = sorted(m for m in imports[start] if m in cycle and m != start)
            if not after:  # a module importing itself
                circles.append((cycle, [start, start]))
                continue
            # Any way back to the start from a module it imports stays inside the cycle.
            back = graph.find_shortest_chain(importer=after[0], imported=start)
            circles.append((cycle, [start, *back]))
        return ContractCheck(kept=not circles, metadata={"circles": circles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle, path in check.metadata["circles"]:
            output.print_error(" -> ".join(path), bold=True)
            if len(cycle) > len(path) - 1:
                output.print_error(f"(all of {', '.join(cycle)} import each other)", bold=False)
            output.new_line()
