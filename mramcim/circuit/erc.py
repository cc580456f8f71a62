"""Stage 3 — check: electrical rule check of a rendered deck on its netlist graph (networkx).

Input: deck text. Output: a list of `Violation`s (`check_deck`), or an `ErcError` listing all
of them (`require_clean`). Rules, applied to the top level and to every subcircuit body:

- unknown-subckt: an X instance calls a subcircuit that is not defined;
- single-connection: a node touches only one element terminal (ground and subcircuit ports
  excepted; a node read by a B-source expression counts as a connection);
- no-dc-path: a node with no DC path to ground (at the top) or to a port/ground (inside a
  subcircuit). Conducting elements: R, L, V, E, H, D, S, W, MOSFET drain-source, BJT, B
  voltage sources, B current sources whose expression reads their own terminal voltage (a
  nonlinear conductance such as the MTJ), and X instances through their internal paths;
- control-syntax / control-command: anything ngspice would execute beyond the plain
  `.control` ... `.endc` blocks mramcim renders (`mramcim.circuit.deckscan.control_violations`):
  `.controls`, `.endcx`, unterminated blocks, `*ng_script`, `shell`, redirections.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from mramcim.circuit.deckscan import control_violations
from mramcim.errors import ErcError

__all__ = ["Violation", "check_deck", "require_clean"]

GROUND = {"0", "gnd"}
_VREF = re.compile(r"\bv\(\s*([^,()\s]+)\s*(?:,\s*([^()\s]+)\s*)?\)", re.IGNORECASE)
_TWO_NODE = set("rclvidb")


@dataclass(frozen=True)
class Violation:
    rule: str
    node: str
    scope: str
    detail: str

    def __str__(self) -> str:
        where = "top level" if self.scope == "" else f"subckt {self.scope}"
        return f"{self.rule}: {self.node} ({where}): {self.detail}"


@dataclass
class _Element:
    name: str
    terminals: list[str]
    conducting: list[tuple[str, str]]
    reads: list[str] = field(default_factory=list)
    subckt: str | None = None


@dataclass
class _Body:
    name: str
    ports: list[str]
    elements: list[_Element] = field(default_factory=list)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(";", 1)[0].rstrip() if not raw.lstrip().startswith("*") else ""
        if not line.strip():
            continue
        if line.lstrip().startswith("+") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + " " + line.lstrip()[1:])
        else:
            lines.append((number, line.strip()))
    return lines


_MIN_TOKENS = {"e": 5, "g": 5, "s": 5, "m": 5, "q": 4, "f": 3, "h": 3, "w": 3, "x": 2}


def _parse_element(line: str) -> _Element | None:
    tokens = line.split()
    name = tokens[0].lower()
    kind = name[0]
    if len(tokens) < _MIN_TOKENS.get(kind, 0):
        return _Element(name, [t.lower() for t in tokens[1:]], [])
    if kind in _TWO_NODE:
        if len(tokens) < 3:
            return None
        a, b = tokens[1].lower(), tokens[2].lower()
        conducting: list[tuple[str, str]] = []
        reads: list[str] = []
        if kind == "b":
            expr = " ".join(tokens[3:])
            for m in _VREF.finditer(expr):
                reads += [g.lower() for g in m.groups() if g]
            is_current = re.match(r"^\s*i\s*=", expr, re.IGNORECASE) is not None
            if not is_current or {a, b} & set(reads):
                conducting.append((a, b))
        elif kind in "rlv":
            conducting.append((a, b))
        elif kind == "d":
            conducting.append((a, b))
        return _Element(name, [a, b], conducting, reads)
    if kind in "eg":
        nodes = [t.lower() for t in tokens[1:5]]
        return _Element(name, nodes, [(nodes[0], nodes[1])] if kind == "e" else [])
    if kind in "fhw":
        nodes = [t.lower() for t in tokens[1:3]]
        return _Element(name, nodes, [(nodes[0], nodes[1])] if kind in "hw" else [])
    if kind == "s":
        nodes = [t.lower() for t in tokens[1:5]]
        return _Element(name, nodes, [(nodes[0], nodes[1])])
    if kind == "m":
        d, g, s, b = (t.lower() for t in tokens[1:5])
        return _Element(name, [d, g, s, b], [(d, s)])
    if kind == "q":
        c, b, e = (t.lower() for t in tokens[1:4])
        return _Element(name, [c, b, e], [(c, e), (b, e)])
    if kind == "x":
        positional = [t for t in tokens[1:] if "=" not in t and t.lower() != "params:"]
        if not positional:
            return None
        *nodes, sub = (t.lower() for t in positional)
        return _Element(name, nodes, [], subckt=sub)
    return None  # K, T, A and others: not checked


def _parse(text: str) -> tuple[_Body, dict[str, _Body]]:
    top = _Body("", [])
    subckts: dict[str, _Body] = {}
    stack = [top]
    in_control = False
    body_text = text.split("\n", 1)[1] if "\n" in text else ""  # the first line is the title
    for _, line in _logical_lines(body_text):
        low = line.lower()
        if low.startswith(".control"):
            in_control = True
        elif low.startswith(".endc"):
            in_control = False
        elif in_control:
            continue
        elif low.startswith(".subckt"):
            tokens = low.split()
            ports = [t for t in tokens[2:] if "=" not in t and t != "params:"]
            body = _Body(tokens[1], ports)
            subckts[tokens[1]] = body
            stack.append(body)
        elif low.startswith(".ends"):
            if len(stack) > 1:
                stack.pop()
        elif low.startswith("."):
            continue
        else:
            element = _parse_element(line)
            if element is not None:
                stack[-1].elements.append(element)
    return top, subckts


def _port_paths(body: _Body, subckts: dict[str, _Body], memo: dict[str, list[set[int]]]) -> list[set[int]]:
    """Groups of port indices (and -1 for ground) joined by DC paths inside subckt `body`."""
    if body.name in memo:
        return memo[body.name]
    memo[body.name] = []  # guards against recursive definitions
    graph = _conduction_graph(body, subckts, memo)
    groups = []
    index = {p: i for i, p in enumerate(body.ports)}
    for component in nx.connected_components(graph):
        members = {index[n] for n in component if n in index}
        if component & GROUND:
            members.add(-1)
        if len(members) > 1:
            groups.append(members)
    memo[body.name] = groups
    return groups


def _conduction_graph(body: _Body, subckts: dict[str, _Body], memo: dict[str, list[set[int]]]) -> nx.Graph:
    graph = nx.Graph()
    for element in body.elements:
        graph.add_nodes_from(element.terminals)
        graph.add_edges_from(element.conducting)
        if element.subckt and element.subckt in subckts:
            sub = subckts[element.subckt]
            for group in _port_paths(sub, subckts, memo):
                nodes = [element.terminals[i] if i >= 0 else "0" for i in sorted(group) if i < len(element.terminals)]
                graph.add_edges_from(zip(nodes, nodes[1:], strict=False))
    graph.add_nodes_from(body.ports)
    return graph


def _port_degrees(body: _Body) -> Counter[str]:
    degrees: Counter[str] = Counter()
    for element in body.elements:
        degrees.update(t for t in element.terminals if t in body.ports)
    return degrees


def _check_body(body: _Body, subckts: dict[str, _Body], memo: dict[str, list[set[int]]]) -> list[Violation]:
    found: list[Violation] = []
    counts: Counter[str] = Counter()
    degrees = {name: _port_degrees(sub) for name, sub in subckts.items()}
    for element in body.elements:
        sub = subckts.get(element.subckt) if element.subckt is not None else None
        if sub is not None and len(sub.ports) == len(element.terminals):
            # a port counts as often as the subcircuit's own elements touch it (a wire tile's
            # end node is touched by one instance but two elements inside it)
            inner = degrees[sub.name]
            for node, port in zip(element.terminals, sub.ports, strict=True):
                counts[node] += max(inner.get(port, 0), 1)
        else:
            counts.update(element.terminals)
        counts.update(set(element.reads) - set(element.terminals))
        if element.subckt is not None:
            if sub is None:
                found.append(
                    Violation(
                        "unknown-subckt", element.name, body.name, f"calls undefined subcircuit {element.subckt!r}"
                    )
                )
            elif len(sub.ports) != len(element.terminals):
                found.append(
                    Violation(
                        "port-count",
                        element.name,
                        body.name,
                        f"{len(element.terminals)} nodes for {len(sub.ports)} ports of {sub.name}",
                    )
                )
    ports = set(body.ports)
    for node, n in sorted(counts.items()):
        if n == 1 and node not in GROUND and node not in ports:
            found.append(Violation("single-connection", node, body.name, "only one element terminal touches this node"))
    graph = _conduction_graph(body, subckts, memo)
    anchors = GROUND | ports
    for component in nx.connected_components(graph):
        if component & anchors:
            continue
        for node in sorted(component):
            found.append(
                Violation(
                    "no-dc-path",
                    node,
                    body.name,
                    "no DC path to " + ("ground" if not body.name else "a port or ground"),
                )
            )
    return found


def check_deck(text: str) -> list[Violation]:
    """All rule violations of a deck (empty list when clean)."""
    top, subckts = _parse(text)
    memo: dict[str, list[set[int]]] = {}
    found = [Violation(rule, where, "", detail) for rule, where, detail in control_violations(text)]
    for body in [top, *subckts.values()]:
        found += _check_body(body, subckts, memo)
    return found


def require_clean(text: str, name: str = "<deck>", shown: int = 20) -> None:
    """Raise ErcError listing every violation of the deck `name`."""
    found = check_deck(text)
    if found:
        listed = "\n  ".join(str(v) for v in found[:shown])
        more = f"\n  ... and {len(found) - shown} more" if len(found) > shown else ""
        raise ErcError(f"{name}: electrical rule check failed with {len(found)} violation(s):\n  {listed}{more}")
