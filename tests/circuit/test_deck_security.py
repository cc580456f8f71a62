"""Hostile user decks: nothing in a deck that ngspice would execute ever runs.

Each deck tries to `touch` a marker file the way ngspice 39 really executes it (measured with
`ngspice -b` and through libngspice: see mramcim/circuit/deckscan.py). `check` must report it,
`sim` must refuse it (exit 1, one error line), and the runner itself (no ERC in front) must not
run it either. Real ngspice, because the claim is about what ngspice does.
"""

from __future__ import annotations

import pytest

from mramcim.circuit.deckscan import control_violations, find_control, read_user_deck, strip_control
from mramcim.circuit.sim import run_deck
from mramcim.errors import MramcimError

pytestmark = pytest.mark.ngspice

BODY = "r1 a 0 1k\nv1 a 0 1\n"
MARK = "MARKER"


def _decks(marker: str) -> dict[str, str]:
    touch = f"shell touch {marker}"
    return {
        "controls": f"t\n{BODY}.controls\n{touch}\n.endc\n.op\n.end\n",
        "unterminated": f"t\n{BODY}.op\n.control\n{touch}\n.end\n",
        "endcx": f"t\n{BODY}.control\n{touch}\n.endcx\n.op\n.end\n",
        "upper-indented": f"t\n{BODY}   .CONTROL\n{touch}\n.endc\n.op\n.end\n",
        "controlfoo": f"t\n{BODY}.controlfoo\n{touch}\n.endc\n.op\n.end\n",
        "tab": f"t\n{BODY}.control\t\n{touch}\n.endc\n.op\n.end\n",
        "after-end": f"t\n{BODY}.op\n.end\n.control\n{touch}\n.endc\n",
        "second-block": f"t\n{BODY}.control\necho hi\n.endc\n.control\n{touch}\n.endc\n.op\n.end\n",
        "crlf": f"t\r\n{BODY.replace(chr(10), chr(13) + chr(10))}.control\r\n{touch}\r\n.endc\r\n.op\r\n.end\r\n",
        "form-feed": f"t\n{BODY}\x0c.control\n{touch}\n.endc\n.op\n.end\n",
        "lone-cr": f"t\n{BODY}* c\r.control\r{touch}\r.endc\n.op\n.end\n",
        "inside-if": f"t\n{BODY}.if (1)\n.control\n{touch}\n.endc\n.endif\n.op\n.end\n",
        "plain-shell": f"t\n{BODY}.control\n{touch}\n.endc\n.op\n.end\n",
        "redirect": f"t\n{BODY}.control\nrun\nprint v(a) > {marker}\n.endc\n.op\n.end\n",
        "blank-title": f"\n\n.control\n{touch}\n.endc\n{BODY}.op\n.end\n",
        "ng-script": f"*ng_script\n{touch}\n",
    }


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # ngspice resolves the relative marker in the working folder
    return tmp_path


@pytest.mark.parametrize("kind", sorted(_decks(MARK)))
def test_check_and_sim_refuse_and_nothing_runs(hostile, invoke, kind):
    deck = hostile / f"{kind}.cir"
    deck.write_bytes(_decks(MARK)[kind].encode())
    checked = invoke("check", str(deck))
    assert checked.code == 1 and "control-" in checked.err, checked
    assert len(checked.error_lines) == 1 and "Traceback" not in checked.err
    simmed = invoke("sim", str(deck), "--timeout", "60")
    assert simmed.code == 1 and len(simmed.error_lines) == 1, simmed
    assert not (hostile / MARK).exists()


@pytest.mark.parametrize("kind", sorted(set(_decks(MARK)) - {"ng-script", "blank-title"}))
def test_runner_strips_every_block_without_the_erc(hostile, kind):
    """Defense in depth: the runner alone (what internal decks use) never lets a block run."""
    text = _decks(MARK)[kind]
    assert all(MARK not in line for line in strip_control(text).splitlines())
    try:
        run_deck(text, name=kind, timeout_s=60)
    except MramcimError:
        pass  # e.g. a deck whose only analysis was inside the block
    assert not (hostile / MARK).exists()


@pytest.mark.parametrize(("kind", "why"), [("ng-script", "ng_script"), ("blank-title", "title")])
def test_script_and_control_titles_are_refused_by_the_runner(hostile, kind, why):
    with pytest.raises(MramcimError, match=why):
        run_deck(_decks(MARK)[kind], name=kind, timeout_s=60)
    assert not (hostile / MARK).exists()


def test_include_with_a_control_block_is_inlined_and_refused(hostile, invoke):
    (hostile / "inc.lib").write_text(f".control\nshell touch {MARK}\n.endc\n")
    deck = hostile / "inc.cir"
    deck.write_text(f"t\n{BODY}.include inc.lib\n.op\n.end\n")
    result = invoke("sim", str(deck), "--timeout", "60")
    assert result.code == 1 and "control-command" in result.err, result
    with pytest.raises(MramcimError, match="other files"):
        run_deck(deck.read_text(), name="inc", timeout_s=60)  # the runner never follows includes
    assert not (hostile / MARK).exists()


def test_lib_cards_are_refused(hostile, invoke):
    (hostile / "lib1.lib").write_text(f".lib mylib\n.control\nshell touch {MARK}\n.endc\n.endl\n")
    deck = hostile / "lib.cir"
    deck.write_text(f"t\n{BODY}.libx lib1.lib mylib\n.op\n.end\n")
    result = invoke("sim", str(deck), "--timeout", "60")
    assert result.code == 1 and "library sections" in result.err, result
    assert not (hostile / MARK).exists()


def test_benign_include_is_inlined_and_simulated(hostile, invoke):
    (hostile / "models.inc").write_text("r2 a 0 1k\n")
    deck = hostile / "ok.cir"
    deck.write_text(f"t\n{BODY}.include models.inc\n.op\n.end\n")
    assert "r2 a 0 1k" in read_user_deck(deck)
    result = invoke("sim", str(deck), "--timeout", "60", "--json")
    assert result.code == 0, result
    assert '"i(v1)"' in result.out


def test_rendered_control_blocks_are_kept_clean_and_seeded(tmp_path):
    from mramcim.circuit.deckscan import control_seed
    from mramcim.circuit.netlist import render_mtj_trials
    from mramcim.tech import load_tech

    deck = render_mtj_trials(load_tech(), kind="idle", drive=[(0.0, 0.0)], trials=1, m0=1, t_stop=1e-10, seed=7)
    assert [b.canonical for b in find_control(deck.text)] == [True]
    assert control_violations(deck.text) == []
    assert control_seed(deck.text) == 7
    assert ".control" not in strip_control(deck.text)
