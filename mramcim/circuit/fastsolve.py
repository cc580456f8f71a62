"""Fast solves of read networks to direct-solve accuracy: line-preconditioned CG and sparse Cholesky.

Stage: circuit solve, beside `readnet.solve_scipy` (kept as the reference). Inputs: an
`ArrayNetwork` (array read networks, passive crossbars), or its resistor values and source
voltages for many reads of one topology. Outputs: a `NetworkSolution` like `solve_scipy`'s, the
sense-input currents of many reads at once, or the read matrix M with I_sense = M v_src.

Nodal analysis. With G the conductances, the fixed nodes (ground and every source node) are
eliminated and the free node voltages x solve

    A x = N v_src,   A_kk = sum of g at node k,  A_kl = -g_kl,  N_ks = g from node k to source s,

A symmetric positive definite whenever every free node has a path to a source (a floating node
makes it singular: refused). The sense current of source s is linear in x and v_src,
I_s = F x + H v_src (the sum of g (V_other - V_s) over the resistors at its node).

Two solvers, measured against each other and against ngspice (docs/solvers.md):

`LinePcgSolver` (default for networks of cells between wire lines): the row lines are
eliminated exactly and the bit lines' Schur complement is solved by conjugate gradients
preconditioned with the bit lines themselves; every step is O(n) (tridiagonal solves), 2-17
iterations reach a residual of 1e-13 from 64 x 8 to 784 x 512 at 1-5 Ohm per pitch, and every
read with new cell states costs only those iterations.

`CholeskySolver`: A = L L^T by CHOLMOD's supernodal Cholesky after a fill-reducing permutation
(METIS nested dissection by default: the network is a 2-D grid of row-line and bit-line
chains). The pattern of A depends only on the topology, so the ordering and the symbolic
factorization are made once and a new set of resistor values costs the numeric factorization,
O(n^1.5). One factorization then serves any number of source vectors, and the read matrix

    M = F A^-1 N + H      (solved as the adjoint: A Y = F^T, one right-hand side per sense input)

gives every read that only moves the sources (the conventional scheme's inputs) as M v_src.
It is also the fallback for networks without the line structure.

Cholesky backends (`BACKENDS`), all giving the same answers to rounding:
    cvxopt    CHOLMOD as bundled in the cvxopt wheel, ordering from pymetis (METIS) or CHOLMOD's
              AMD; wheels only (pip install cvxopt pymetis), the fastest measured here;
    sksparse  CHOLMOD through scikit-sparse (needs the system SuiteSparse: apt-get install
              libsuitesparse-dev, then a source build of scikit-sparse 0.4.16);
    superlu   scipy's SuperLU with a symmetric minimum-degree ordering (always available; the
              speed of `readnet.solve_scipy`).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.linalg.lapack as lapack
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import connected_components, reverse_cuthill_mckee

from mramcim.circuit.readnet import ArrayNetwork, NetworkSolution
from mramcim.errors import ConfigError, InputError

__all__ = [
    "BACKENDS",
    "ORDERINGS",
    "CholeskySolver",
    "LinePcgSolver",
    "NodalPattern",
    "backend_available",
    "default_backend",
    "solve_cholesky",
    "solve_fast",
]

logger = logging.getLogger(__name__)

BACKENDS = ("cvxopt", "sksparse", "superlu")
ORDERINGS = ("metis", "nesdis", "amd", "natural")
MODES = ("auto", "simplicial", "supernodal")
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


INSTALL = {
    "cvxopt": "pip install cvxopt pymetis",
    "sksparse": "apt-get install libsuitesparse-dev; pip install 'scikit-sparse==0.4.16'",
    "superlu": "scipy",
}


def backend_available(backend: str) -> bool:
    """True when the backend's Python package imports."""
    module = {"cvxopt": "cvxopt.cholmod", "sksparse": "sksparse.cholmod", "superlu": "scipy.sparse.linalg"}[backend]
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def default_backend() -> str:
    """The first installed of cvxopt, sksparse, superlu."""
    return next(b for b in BACKENDS if backend_available(b))


def metis_ordering(a: sp.csc_matrix) -> I64 | None:
    """METIS nested-dissection permutation of symmetric `a` (None without pymetis)."""
    try:
        import pymetis
    except ImportError:
        return None
    graph = a.tocsr()
    graph.setdiag(0)
    graph.eliminate_zeros()
    perm, _ = pymetis.nested_dissection(adjacency=pymetis.CSRAdjacency(graph.indptr, graph.indices))
    return np.asarray(perm, dtype=np.int64)


@dataclass(frozen=True)
class NodalPattern:
    """Where each resistor's conductance lands in A (CSC, both triangles), N, F and H.

    Built once per topology (resistor end nodes and source nodes); values come per solve.
    """

    n_nodes: int
    n_src: int
    free: I64  # node index of each free unknown
    indptr: npt.NDArray[np.int32]
    indices: npt.NDArray[np.int32]
    ent_pos: I64  # data position of each matrix entry
    ent_res: I64  # its resistor
    ent_sign: F64  # +1 diagonal, -1 off-diagonal
    n_res: I64  # resistors between a free node (n_row) and a source node (n_col)
    n_row: I64
    n_col: I64
    sense_res: I64  # resistors at the sense nodes
    sense_row: I64  # which sense input
    sense_free: I64  # the far end as a free index (-1: not free)
    sense_src: I64  # the far end as a source index (-1: not a source)
    sense_self: I64  # the sense input's own source index
    lower: I64  # data positions of the lower triangle (row >= column), in CSC order

    @property
    def n_free(self) -> int:
        return len(self.free)

    @property
    def n_sense(self) -> int:
        return int(self.sense_row.max()) + 1 if self.sense_row.size else 0

    @classmethod
    def of(cls, net: ArrayNetwork, free_order: I64 | None = None) -> NodalPattern:
        """The pattern of `net`; `free_order` lists the free unknowns in a chosen order
        (positions into the free nodes sorted by index; default that sorted order)."""
        n = net.n_nodes
        src_of_node = np.full(n, -1, dtype=np.int64)
        src_of_node[net.src_node] = np.arange(len(net.src_node))
        if np.unique(net.src_node).size != len(net.src_node):
            raise InputError("two sources drive the same node")
        fixed = src_of_node >= 0
        fixed[0] = True
        free = np.flatnonzero(~fixed)
        if free_order is not None:
            free = free[free_order]
        fidx = np.full(n, -1, dtype=np.int64)
        fidx[free] = np.arange(free.size)
        a, b = fidx[net.res_a], fidx[net.res_b]
        res = np.arange(len(net.res_a))
        fa, fb, both = a >= 0, b >= 0, (a >= 0) & (b >= 0)
        rows = np.concatenate([a[fa], b[fb], a[both], b[both]])
        cols = np.concatenate([a[fa], b[fb], b[both], a[both]])
        ent_res = np.concatenate([res[fa], res[fb], res[both], res[both]])
        ent_sign = np.concatenate([np.ones(fa.sum() + fb.sum()), -np.ones(2 * both.sum())])
        # CSC order of the entries, duplicates (parallel resistors, diagonals) merged
        key = cols * max(free.size, 1) + rows
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        new = np.ones(len(key), dtype=bool)
        new[1:] = sorted_key[1:] != sorted_key[:-1]
        uniq = sorted_key[new]
        pos = np.empty(len(key), dtype=np.int64)
        pos[order] = np.cumsum(new) - 1
        u_cols, u_rows = uniq // max(free.size, 1), uniq % max(free.size, 1)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(u_cols, minlength=free.size))])
        empty = np.flatnonzero(np.diff(indptr) == 0)
        if empty.size:
            raise InputError(f"the network is singular: node {int(free[empty[0]])} has no resistor")
        sa, sb = src_of_node[net.res_a], src_of_node[net.res_b]
        to_a, to_b = fa & (sb >= 0), fb & (sa >= 0)
        sense_nodes = net.src_node[net.sense_src]
        row_of_node = np.full(n, -1, dtype=np.int64)
        row_of_node[sense_nodes] = np.arange(len(sense_nodes))
        at_a, at_b = row_of_node[net.res_a] >= 0, row_of_node[net.res_b] >= 0
        other = np.concatenate([net.res_b[at_a], net.res_a[at_b]])
        self_node = np.concatenate([net.res_a[at_a], net.res_b[at_b]])
        return cls(
            n_nodes=n,
            n_src=len(net.src_node),
            free=free,
            indptr=indptr.astype(np.int32),
            indices=u_rows.astype(np.int32),
            ent_pos=pos,
            ent_res=ent_res,
            ent_sign=ent_sign,
            n_res=np.concatenate([res[to_a], res[to_b]]),
            n_row=np.concatenate([a[to_a], b[to_b]]),
            n_col=np.concatenate([sb[to_a], sa[to_b]]),
            sense_res=np.concatenate([res[at_a], res[at_b]]),
            sense_row=row_of_node[self_node],
            sense_free=fidx[other],
            sense_src=src_of_node[other],
            sense_self=src_of_node[self_node],
            lower=np.flatnonzero(u_rows >= u_cols),
        )

    def matrix(self, g: F64) -> sp.csc_matrix:
        """A (n_free, n_free) for conductances g [S] (one per resistor)."""
        data = np.bincount(self.ent_pos, weights=self.ent_sign * g[self.ent_res], minlength=len(self.indices))
        return sp.csc_matrix((data, self.indices, self.indptr), shape=(self.n_free, self.n_free))

    def source_matrix(self, g: F64) -> sp.csr_matrix:
        """N (n_free, n_src): the current each source pushes into the free nodes per volt."""
        return sp.csr_matrix((g[self.n_res], (self.n_row, self.n_col)), shape=(self.n_free, self.n_src))

    def sense_matrices(self, g: F64, n_sense: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """F (n_sense, n_free) and H (n_sense, n_src): I_sense = F x + H v_src."""
        gs = g[self.sense_res]
        f = self.sense_free >= 0
        s = self.sense_src >= 0
        big_f = sp.csr_matrix((gs[f], (self.sense_row[f], self.sense_free[f])), shape=(n_sense, self.n_free))
        h_rows = np.concatenate([self.sense_row[s], self.sense_row])
        h_cols = np.concatenate([self.sense_src[s], self.sense_self])
        h_vals = np.concatenate([gs[s], -gs])
        return big_f, sp.csr_matrix((h_vals, (h_rows, h_cols)), shape=(n_sense, self.n_src))


class CholeskySolver:
    """Reusable solver for every network with one topology (same resistor ends and sources).

    The fill-reducing ordering and the symbolic factorization are made at construction from
    the topology; `factor` then costs only the numeric factorization for new resistor values.

    Args:
        net: any network of the topology (its values are not used).
        backend: "cholmod" (scikit-sparse; default when installed) or "superlu" (scipy).
        ordering: CHOLMOD fill-reducing ordering: "metis" (nested dissection, default),
            "nesdis" (CHOLMOD's own nested dissection), "amd" (minimum degree: cheapest
            analysis, more fill), "natural".
        mode: CHOLMOD "simplicial", "supernodal" (dense BLAS blocks: better for large
            arrays), or "auto" (CHOLMOD's flop-count rule).
    """

    def __init__(
        self, net: ArrayNetwork, *, backend: str | None = None, ordering: str = "metis", mode: str = "supernodal"
    ) -> None:
        backend = backend or default_backend()
        if backend not in BACKENDS:
            raise ConfigError(f"unknown solver backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        if ordering not in ORDERINGS:
            raise ConfigError(f"unknown ordering {ordering!r}; choose one of {', '.join(ORDERINGS)}")
        if mode not in MODES:
            raise ConfigError(f"unknown factorization mode {mode!r}; choose one of {', '.join(MODES)}")
        if not backend_available(backend):
            raise ConfigError(
                f"the {backend} backend is not installed ({INSTALL[backend]}); "
                f"installed: {', '.join(b for b in BACKENDS if backend_available(b))}"
            )
        self.backend = backend
        self.pattern = NodalPattern.of(net)
        self.n_sense = len(net.sense_src)
        self._res_a, self._res_b, self._src_node = net.res_a, net.res_b, net.src_node
        self._generation = 0
        self._symbolic: Any = None
        self._cvx_matrix: Any = None
        if not self.pattern.n_free:
            return
        a0 = self.pattern.matrix(1.0 / _conductances(net.res_ohm, len(net.res_a)))
        if backend == "sksparse":
            from sksparse.cholmod import analyze

            self._symbolic = analyze(a0, mode="auto" if mode == "auto" else mode, ordering_method=ordering)
        elif backend == "cvxopt":
            import cvxopt
            import cvxopt.cholmod

            p = self.pattern
            lower = sp.csc_matrix((a0.data[p.lower], p.indices[p.lower], _lower_indptr(p)), shape=a0.shape)
            cols = np.repeat(np.arange(p.n_free), np.diff(lower.indptr))
            self._cvx_matrix = cvxopt.spmatrix(lower.data, lower.indices.astype(np.int64), cols, size=a0.shape)
            perm = metis_ordering(a0) if ordering in ("metis", "nesdis") else None
            if perm is None and ordering in ("metis", "nesdis"):
                logger.info("pymetis is not installed: CHOLMOD's AMD ordering instead of METIS")
            if ordering == "natural":
                perm = np.arange(p.n_free)
            cvxopt.cholmod.options["supernodal"] = {"simplicial": 0, "auto": 1, "supernodal": 2}[mode]
            if perm is None:  # cvxopt refuses an explicit p=None
                self._symbolic = cvxopt.cholmod.symbolic(self._cvx_matrix)
            else:
                self._symbolic = cvxopt.cholmod.symbolic(self._cvx_matrix, p=cvxopt.matrix(perm.astype(int)))

    def fits(self, net: ArrayNetwork) -> bool:
        """True when `net` has this solver's topology (checked by identity, then by value)."""
        same = net.res_a is self._res_a and net.res_b is self._res_b and net.src_node is self._src_node
        return same or (
            np.array_equal(net.res_a, self._res_a)
            and np.array_equal(net.res_b, self._res_b)
            and np.array_equal(net.src_node, self._src_node)
        )

    def factor(self, res_ohm: F64) -> Factorization:
        """The numeric factorization for resistor values `res_ohm` [Ohm] (one per resistor).

        With the cvxopt backend the factor lives in the solver's one symbolic object, so a
        Factorization is valid until the next `factor` call on the same solver (a stale one
        refuses to solve).
        """
        g = _conductances(res_ohm, len(self._res_a))
        self._generation += 1
        if self.pattern.n_free == 0:
            return Factorization(self, g, None)
        a = self.pattern.matrix(g)
        if self.backend == "sksparse":
            from sksparse.cholmod import CholmodNotPositiveDefiniteError

            try:
                return Factorization(self, g, self._symbolic.cholesky(a))
            except CholmodNotPositiveDefiniteError as err:
                raise InputError("the read network is singular (a node floats)") from err
        if self.backend == "cvxopt":
            import cvxopt
            import cvxopt.cholmod

            self._cvx_matrix.V = cvxopt.matrix(a.data[self.pattern.lower])
            try:
                cvxopt.cholmod.numeric(self._cvx_matrix, self._symbolic)
            except ArithmeticError as err:
                raise InputError("the read network is singular (a node floats)") from err
            return Factorization(self, g, self._symbolic)
        try:
            lu = spla.splu(a, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
        except RuntimeError as err:  # SuperLU reports an exactly singular matrix this way
            raise InputError("the read network is singular (a node floats)") from err
        return Factorization(self, g, lu)

    def solve(self, res_ohm: F64, src_volts: F64) -> NetworkSolution:
        """All node voltages and source currents, as `readnet.solve_scipy` returns them."""
        return self.factor(res_ohm).solve(src_volts)

    def sense_currents(self, res_ohm: F64, src_volts: F64) -> F64:
        """Sense-input currents [A] of many reads of this topology.

        Args:
            res_ohm: (n_res,) values shared by every read, or (n_reads, n_res) one set per read.
            src_volts: (n_src,) or (n_reads, n_src) source voltages [V].

        Returns:
            (n_reads, n_sense) currents into the sense inputs (n_reads = 1 for 1-D inputs).
        """
        r = np.atleast_2d(np.asarray(res_ohm, dtype=np.float64))
        v = np.atleast_2d(np.asarray(src_volts, dtype=np.float64))
        if r.shape[0] == 1:
            return self.factor(r[0]).sense_currents(v)
        if v.shape[0] not in (1, r.shape[0]):
            raise InputError(f"{r.shape[0]} resistor sets but {v.shape[0]} source-voltage sets")
        v = np.broadcast_to(v, (r.shape[0], v.shape[1]))
        return np.vstack([self.factor(r[k]).sense_currents(v[k][None, :]) for k in range(r.shape[0])])


class Factorization:
    """One numeric factorization: solve for any number of source-voltage vectors."""

    def __init__(self, solver: CholeskySolver, g: F64, factor: Any) -> None:
        self.solver = solver
        self.g = g
        self._factor = factor
        self._generation = solver._generation
        self._sense: tuple[sp.csr_matrix, sp.csr_matrix] | None = None

    def _solve(self, rhs: F64) -> F64:
        if self._factor is None:
            return np.zeros_like(rhs)
        backend = self.solver.backend
        if backend == "cvxopt":
            import cvxopt
            import cvxopt.cholmod

            if self._generation != self.solver._generation:
                raise InputError("this factorization was replaced by a later factor() call on its solver")
            b = cvxopt.matrix(np.asfortranarray(rhs))
            cvxopt.cholmod.solve(self._factor, b)
            return np.array(b).reshape(rhs.shape)
        if backend == "sksparse":
            return np.asarray(self._factor(rhs))
        return np.asarray(self._factor.solve(np.asfortranarray(rhs)))

    def free_volts(self, src_volts: F64) -> F64:
        """(n_free,) or (n_free, k) free-node voltages for (n_src,) or (k, n_src) source voltages."""
        v = np.asarray(src_volts, dtype=np.float64)
        n = self.solver.pattern.source_matrix(self.g)
        rhs = n @ (v.T if v.ndim == 2 else v)
        return self._solve(np.asarray(rhs))

    def solve(self, src_volts: F64) -> NetworkSolution:
        """Node voltages [V] and source currents [A] for one source-voltage vector."""
        p = self.solver.pattern
        v = np.asarray(src_volts, dtype=np.float64)
        if v.shape != (p.n_src,):
            raise InputError(f"expected {p.n_src} source voltages, got shape {v.shape}")
        volts = np.zeros(p.n_nodes)
        volts[self.solver._src_node] = v
        volts[p.free] = self.free_volts(v)
        if not np.all(np.isfinite(volts)):
            raise InputError("the read network is singular (a node floats)")
        a, b = self.solver._res_a, self.solver._res_b
        branch = (volts[a] - volts[b]) * self.g
        into = np.bincount(a, weights=branch, minlength=p.n_nodes) - np.bincount(b, weights=branch, minlength=p.n_nodes)
        return NetworkSolution(volts, np.asarray(into[self.solver._src_node], dtype=np.float64))

    def _sense_matrices(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        if self._sense is None:
            self._sense = self.solver.pattern.sense_matrices(self.g, self.solver.n_sense)
        return self._sense

    def sense_currents(self, src_volts: F64) -> F64:
        """(k, n_sense) sense-input currents [A] for (k, n_src) source voltages (one solve, k RHS)."""
        v = np.atleast_2d(np.asarray(src_volts, dtype=np.float64))
        f, h = self._sense_matrices()
        x = self.free_volts(v).reshape(self.solver.pattern.n_free, v.shape[0])
        return np.asarray((f @ x).T + (h @ v.T).T)

    def read_matrix(self, chunk: int = 32) -> F64:
        """M (n_sense, n_src) with sense currents = M @ v_src: n_sense adjoint solves.

        A is symmetric, so A^-1 F^T = (F A^-1)^T: one right-hand side per sense input, taken
        `chunk` at a time to bound the memory (n_free x chunk doubles).
        """
        f, h = self._sense_matrices()
        m = h.toarray()
        if self.solver.pattern.n_free == 0:
            return m
        n = self.solver.pattern.source_matrix(self.g)
        ft = f.T.tocsc()
        for start in range(0, m.shape[0], chunk):
            y = self._solve(ft[:, start : start + chunk].toarray())
            m[start : start + chunk] += np.asarray((n.T @ y).T)
        return m


class LinePcgSolver:
    """Conjugate gradients on the bit-line unknowns, preconditioned by the bit lines themselves.

    The free nodes fall into two families of wire lines: row lines (each from its driver) and
    bit lines (each to its sense input); every cell joins a row-line node to a bit-line node.
    Numbered line by line, each family's own matrix is tridiagonal (its wires, plus every cell
    conductance and every connection to a source on the diagonal), so with C the cells'
    coupling

        [ A_rr  -C  ] [x_r]   [b_r]
        [ -C^T  A_bb] [x_b] = [b_b],    S = A_bb - C^T A_rr^-1 C,   S x_b = b_b + C^T A_rr^-1 b_r.

    The row lines are eliminated exactly (a tridiagonal solve, O(n)), and S, symmetric positive
    definite, is solved by CG preconditioned with A_bb (another tridiagonal solve): a line's own
    IR drop is solved exactly inside each step and only the cross coupling of the two families
    through the cells is iterated. The eigenvalues of A_bb^-1 S are 1 - mu^2 with mu < 1 the
    coupling's singular values, so CG needs few iterations (measured 2-17 to a residual of
    1e-13 for 64 x 8 .. 784 x 512 at 1-5 Ohm per pitch; see docs). Each iteration costs two
    tridiagonal solves and a pass over the cells, against the O(n^1.5) numeric Cholesky
    factorization of every new matrix; x_r follows from x_b by one more row-line solve.

    Stops when the residual of S is below `rtol` times its right-hand side; if that takes more
    than `max_iter` iterations the read is solved by `CholeskySolver` instead (logged).

    Args:
        net: a network with cells (`cell_res`) whose wires form simple lines, each line of one
            family (array read networks, passive crossbars); else `applies(net)` is False and
            the constructor raises InputError.
    """

    def __init__(self, net: ArrayNetwork, *, rtol: float = 1e-13, max_iter: int = 500) -> None:
        plan = _line_plan(net)
        if plan is None:
            raise InputError("the network's wires do not form simple lines of two families; use CholeskySolver")
        self._plan = plan
        self.n_sense = len(net.sense_src)
        self.rtol, self.max_iter = rtol, max_iter
        self._res_a, self._res_b, self._src_node = net.res_a, net.res_b, net.src_node
        self._n_nodes = net.n_nodes
        self._net = net
        self._direct: CholeskySolver | None = None
        self.iterations: list[int] = []

    @staticmethod
    def applies(net: ArrayNetwork) -> bool:
        """True when `net` has cells and its wires form simple lines of two families."""
        return _line_plan(net) is not None

    def _direct_solver(self) -> CholeskySolver:
        if self._direct is None:
            self._direct = CholeskySolver(self._net)
        return self._direct

    def node_volts(self, res_ohm: F64, src_volts: F64) -> F64:
        """(n_nodes,) voltages [V] of every node for one read."""
        pl = self._plan
        g = _conductances(res_ohm, len(self._res_a))
        v_src = np.asarray(src_volts, dtype=np.float64)
        volts = np.zeros(self._n_nodes)
        volts[self._src_node] = v_src
        fam = []
        for f in (pl.row, pl.bit):
            d = np.bincount(f.inc_pos, weights=g[f.inc_res], minlength=f.n)
            e = -np.bincount(f.line_pos, weights=g[f.line_res], minlength=f.n)[: max(f.n - 1, 0)]
            rhs_f = np.bincount(f.fix_pos, weights=g[f.fix_res] * volts[f.fix_node], minlength=f.n)
            df, ef, info = lapack.dpttrf(d, e) if f.n > 1 else (d, e, int(np.any(d <= 0)))
            if info != 0:
                raise InputError("the read network is singular (a node floats)")
            fam.append((df, ef, rhs_f, d, e))
        (dr, er, br, _, _), (db, eb, bb, d_b, e_b) = fam
        c = g[pl.cell_res]
        cr, cb = pl.cell_r, pl.cell_b
        nr, nb = pl.row.n, pl.bit.n

        def solve_r(v: F64) -> F64:
            return lapack.dpttrs(dr, er, v)[0] if nr > 1 else v / dr

        def solve_b(v: F64) -> F64:
            return lapack.dpttrs(db, eb, v)[0] if nb > 1 else v / db

        def c_times(xb: F64) -> F64:  # C x_b onto the row family
            return np.asarray(np.bincount(cr, weights=c * xb[cb], minlength=nr), dtype=np.float64)

        def ct_times(xr: F64) -> F64:  # C^T x_r onto the bit family
            return np.asarray(np.bincount(cb, weights=c * xr[cr], minlength=nb), dtype=np.float64)

        def schur(p: F64) -> F64:
            ap = d_b * p
            ap[:-1] += e_b * p[1:]
            ap[1:] += e_b * p[:-1]
            return ap - ct_times(solve_r(c_times(p)))

        rhs: F64 = np.asarray(bb + ct_times(solve_r(np.asarray(br, dtype=np.float64))), dtype=np.float64)
        x_b, its = _pcg(schur, rhs, solve_b, self.rtol, self.max_iter) if nb else (np.zeros(0), 0)
        self.iterations.append(its)
        if x_b is None:
            logger.info("line-preconditioned CG did not reach rtol %g in %d iterations: direct solve", self.rtol, its)
            return self._direct_solver().solve(res_ohm, src_volts).volts
        volts[pl.row.nodes] = solve_r(br + c_times(x_b))
        volts[pl.bit.nodes] = x_b
        return volts

    def sense_currents(self, res_ohm: F64, src_volts: F64) -> F64:
        """(n_reads, n_sense) sense-input currents [A]: one CG solve per read.

        Args:
            res_ohm: (n_res,) or (n_reads, n_res) resistor values [Ohm].
            src_volts: (n_src,) or (n_reads, n_src) source voltages [V].
        """
        r = np.atleast_2d(np.asarray(res_ohm, dtype=np.float64))
        v = np.atleast_2d(np.asarray(src_volts, dtype=np.float64))
        n = max(r.shape[0], v.shape[0])
        if r.shape[0] not in (1, n) or v.shape[0] not in (1, n):
            raise InputError(f"{r.shape[0]} resistor sets but {v.shape[0]} source-voltage sets")
        pl = self._plan
        out = np.empty((n, self.n_sense))
        for k in range(n):
            rk = r[min(k, r.shape[0] - 1)]
            volts = self.node_volts(rk, v[min(k, v.shape[0] - 1)])
            flow = (volts[pl.sense_other] - volts[pl.sense_self]) / rk[pl.sense_res]
            out[k] = np.bincount(pl.sense_row, weights=flow, minlength=self.n_sense)
        return out

    def solve(self, res_ohm: F64, src_volts: F64) -> NetworkSolution:
        """All node voltages and source currents, as `readnet.solve_scipy` returns them."""
        g = _conductances(res_ohm, len(self._res_a))
        volts = self.node_volts(res_ohm, src_volts)
        branch = (volts[self._res_a] - volts[self._res_b]) * g
        into = np.bincount(self._res_a, weights=branch, minlength=self._n_nodes) - np.bincount(
            self._res_b, weights=branch, minlength=self._n_nodes
        )
        return NetworkSolution(volts, np.asarray(into[self._src_node], dtype=np.float64))


def _pcg(apply_a: Any, b: F64, precondition: Any, rtol: float, max_iter: int) -> tuple[F64 | None, int]:
    """Preconditioned conjugate gradients from x0 = P^-1 b; (x, iterations), x None if not converged."""
    norm_b = float(np.linalg.norm(b))
    if norm_b == 0.0:
        return np.zeros_like(b), 0
    x = precondition(b)
    r = b - apply_a(x)
    z = precondition(r)
    p = z.copy()
    rz = float(r @ z)
    for it in range(max_iter + 1):
        if float(np.linalg.norm(r)) <= rtol * norm_b:
            return x, it
        if it == max_iter:
            break
        ap = apply_a(p)
        alpha = rz / float(p @ ap)
        x += alpha * p
        r -= alpha * ap
        z = precondition(r)
        rz, rz_old = float(r @ z), rz
        p *= rz / rz_old
        p += z
    return None, max_iter


@dataclass(frozen=True)
class _Family:
    """One family of lines: its free nodes in line order and where conductances land."""

    nodes: I64  # node index of each unknown, line by line
    inc_res: I64  # resistor of each (resistor, free end in this family) incidence: diagonal
    inc_pos: I64
    line_res: I64  # wires between neighbours of one line: off-diagonal at min position
    line_pos: I64
    fix_res: I64  # resistors from an unknown of this family to a source node: right-hand side
    fix_pos: I64
    fix_node: I64

    @property
    def n(self) -> int:
        return len(self.nodes)


@dataclass(frozen=True)
class _LinePlan:
    row: _Family
    bit: _Family
    cell_res: I64  # cells joining a free row-family node to a free bit-family node
    cell_r: I64
    cell_b: I64
    sense_res: I64  # resistors at the sense nodes, their far and own node, and sense row
    sense_other: I64
    sense_self: I64
    sense_row: I64


def _line_plan(net: ArrayNetwork) -> _LinePlan | None:
    """Families and line order of `net`'s free nodes, or None when it is not two families of lines."""
    if not net.cell_res:
        return None
    cells = np.concatenate([idx.ravel() for idx in net.cell_res.values()])
    is_cell = np.zeros(len(net.res_a), dtype=bool)
    is_cell[cells] = True
    fixed = np.zeros(net.n_nodes, dtype=bool)
    fixed[0] = True
    fixed[net.src_node] = True
    free = np.flatnonzero(~fixed)
    if not free.size:
        return None  # nothing to iterate on (every node is driven): the direct path is exact and trivial
    fidx = np.full(net.n_nodes, -1, dtype=np.int64)
    fidx[free] = np.arange(free.size)
    a, b = fidx[net.res_a], fidx[net.res_b]
    if np.any((a >= 0) & (a == b)):
        return None  # a resistor from a node to itself
    wire = (~is_cell) & (a >= 0) & (b >= 0)
    graph = sp.coo_matrix(
        (np.ones(2 * wire.sum()), (np.concatenate([a[wire], b[wire]]), np.concatenate([b[wire], a[wire]]))),
        shape=(free.size, free.size),
    ).tocsr()
    graph.sum_duplicates()
    if graph.nnz and np.diff(graph.indptr).max() > 2:
        return None  # a node with three wires: not a line
    n_comp, comp = connected_components(graph, directed=False)
    # family of each line: row side (res_a end) or bit side (res_b end) of its cells
    label = np.zeros(n_comp, dtype=np.int64)  # bit 1: row side seen, bit 2: bit side seen
    free_cell = is_cell & (a >= 0) & (b >= 0)
    np.bitwise_or.at(label, comp[a[free_cell]], 1)
    np.bitwise_or.at(label, comp[b[free_cell]], 2)
    if np.any(label == 3):
        return None  # a line with cells on both sides
    in_bit = label[comp] == 2  # lines with no free cell partner join the row family
    order = np.asarray(reverse_cuthill_mckee(graph, symmetric_mode=True), dtype=np.int64)
    families = []
    pos_of = np.full(free.size, -1, dtype=np.int64)
    for want_bit in (False, True):
        members = order[in_bit[order] == want_bit]
        pos = np.full(free.size, -1, dtype=np.int64)
        pos[members] = np.arange(members.size)
        pos_of[members] = pos[members]
        if graph.nnz:
            coo = graph.tocoo()
            mine = in_bit[coo.row] == want_bit
            if mine.any() and np.max(np.abs(pos[coo.row[mine]] - pos[coo.col[mine]])) != 1:
                return None  # a closed loop of wire
        inc_a = (a >= 0) & (in_bit[np.maximum(a, 0)] == want_bit)
        inc_b = (b >= 0) & (in_bit[np.maximum(b, 0)] == want_bit)
        res = np.arange(len(a))
        w_mine = wire & inc_a
        fix_a = inc_a & (b < 0)
        fix_b = inc_b & (a < 0)
        families.append(
            _Family(
                nodes=free[members],
                inc_res=np.concatenate([res[inc_a], res[inc_b]]),
                inc_pos=np.concatenate([pos[a[inc_a]], pos[b[inc_b]]]),
                line_res=res[w_mine],
                line_pos=np.minimum(pos[a[w_mine]], pos[b[w_mine]]),
                fix_res=np.concatenate([res[fix_a], res[fix_b]]),
                fix_pos=np.concatenate([pos[a[fix_a]], pos[b[fix_b]]]),
                fix_node=np.concatenate([net.res_b[fix_a], net.res_a[fix_b]]),
            )
        )
    row_side = np.where(in_bit[np.maximum(a, 0)], b, a)
    bit_side = np.where(in_bit[np.maximum(a, 0)], a, b)
    sense_nodes = net.src_node[net.sense_src]
    row_of_node = np.full(net.n_nodes, -1, dtype=np.int64)
    row_of_node[sense_nodes] = np.arange(len(sense_nodes))
    at_a, at_b = row_of_node[net.res_a] >= 0, row_of_node[net.res_b] >= 0
    res = np.arange(len(a))
    return _LinePlan(
        row=families[0],
        bit=families[1],
        cell_res=res[free_cell],
        cell_r=pos_of[row_side[free_cell]],
        cell_b=pos_of[bit_side[free_cell]],
        sense_res=np.concatenate([res[at_a], res[at_b]]),
        sense_other=np.concatenate([net.res_b[at_a], net.res_a[at_b]]),
        sense_self=np.concatenate([net.res_a[at_a], net.res_b[at_b]]),
        sense_row=np.concatenate([row_of_node[net.res_a[at_a]], row_of_node[net.res_b[at_b]]]),
    )


def _lower_indptr(p: NodalPattern) -> npt.NDArray[np.int64]:
    counts = np.diff(p.indptr)
    col_of = np.repeat(np.arange(p.n_free), counts)
    return np.concatenate([[0], np.cumsum(np.bincount(col_of[p.lower], minlength=p.n_free))])


def _conductances(res_ohm: F64, n_res: int) -> F64:
    r = np.asarray(res_ohm, dtype=np.float64)
    if r.shape != (n_res,):
        raise InputError(f"expected {n_res} resistor values, got shape {r.shape}")
    if not np.all(np.isfinite(r) & (r > 0)):
        raise InputError("resistor values must be positive and finite")
    return 1.0 / r


_CACHE: OrderedDict[tuple[int, int, int, str], CholeskySolver] = OrderedDict()
_CACHE_SIZE = 4


def solve_cholesky(net: ArrayNetwork, *, backend: str | None = None, ordering: str = "metis") -> NetworkSolution:
    """Drop-in for `readnet.solve_scipy`: the same `NetworkSolution`, by sparse Cholesky.

    The solver of a topology is kept for the last few topologies seen (keyed by the identity
    of the network's index arrays, which `readnet_fast` shares between networks of one
    topology), so repeated solves skip the ordering and symbolic analysis.
    """
    backend = backend or default_backend()
    key = (id(net.res_a), id(net.res_b), id(net.src_node), f"{backend}/{ordering}")
    solver = _CACHE.get(key)
    if solver is None or not solver.fits(net):
        solver = CholeskySolver(net, backend=backend, ordering=ordering)
        _CACHE[key] = solver
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return solver.solve(net.res_ohm, net.src_volts)


_FAST_CACHE: OrderedDict[tuple[int, int, int], LinePcgSolver | None] = OrderedDict()


def solve_fast(net: ArrayNetwork) -> NetworkSolution:
    """Drop-in for `readnet.solve_scipy` at direct-solve accuracy: line-preconditioned CG when
    the network is cells between wire lines (array read networks, crossbars), else Cholesky.

    The solver of a topology is kept for the last few topologies seen (by the identity of the
    network's index arrays, which `readnet_fast` shares between networks of one topology).
    """
    key = (id(net.res_a), id(net.res_b), id(net.src_node))
    if key in _FAST_CACHE:
        _FAST_CACHE.move_to_end(key)
        solver = _FAST_CACHE[key]
        if solver is not None and not (solver._res_a is net.res_a and solver._res_b is net.res_b):
            solver = None
            del _FAST_CACHE[key]
    else:
        try:
            solver = LinePcgSolver(net)
        except InputError:  # not cells between wire lines
            solver = None
        if solver is not None:
            _FAST_CACHE[key] = solver
            while len(_FAST_CACHE) > _CACHE_SIZE:
                _FAST_CACHE.popitem(last=False)
    if solver is None:
        return solve_cholesky(net)
    return solver.solve(net.res_ohm, net.src_volts)
