/**
 * The restricted problem of MLR's cutting-plane loop (mlr.ts): over the working set of constraints
 * (G_t, Δ_t),
 *
 *   min_{W ⪰ 0}  reg(W) + C ξ(W),   ξ(W) = max(0, max_t Δ_t − ⟨W, G_t⟩_F),
 *
 * by ADMM on the split W = Z, Z ⪰ 0 (as MLR itself does since v1.0, util/mlr_admm.m), warm-started
 * from the previous round's Z, U, ρ and dual weights:
 *   W ← argmin_W reg(W) + C ξ(W) + (ρ/2)‖W − (Z − U)‖²   (a small QP in the constraint weights, below)
 *   Z ← Π_PSD(W + U)                                        (symmetricEigen; negative eigenvalues → 0)
 *   U ← U + W − Z
 * with ρ doubled or halved when the primal and dual residuals drift 10x apart (Boyd et al. 2011, §3.4.1).
 * Plain projected subgradient descent with MLR's earlier step rule (util/mlr_solver.m) was tried first:
 * at the kink where two constraints tie, the step size collapsed to ~1e-11 and later rounds stopped
 * without moving W, so the loop "converged" at a training AUC of 0.59 on data it should separate.
 *
 * The W step. With A = Σ_t α_t G_t and reg(W) = b·tr W + (c/2)‖W‖²_F ((b, c) = (1, 0) for trace,
 * (0, 1) for Frobenius), W(α) = (ρV + A − bI)/(ρ + c), V = Z − U, and α maximises the concave
 *   D(α) = Σ_t α_t Δ_t + min_W [reg(W) − ⟨W, A⟩ + (ρ/2)‖W − V‖²]
 * over {α ≥ 0, Σ α_t ≤ C}; ∂D/∂α_t = Δ_t − ⟨W(α), G_t⟩ is constraint t's slack and the Hessian is
 * −H/(ρ + c), H_ts = ⟨G_t, G_s⟩. Adding α_0 = C − Σα_t (the ξ ≥ 0 constraint, G_0 = 0, Δ_0 = 0) makes the
 * set a simplex, solved by SMO: move weight from the lowest-slack constraint that has any to the
 * highest-slack one, with an exact line search, until the slacks of the weighted constraints agree
 * within 1e-7 (AUC-loss units, far below ε) or after 10 (T + 1) moves; α is warm-started from the
 * previous W step, so a capped solve is finished by later ones. O(T) per move: only H, the T x T Gram
 * matrix of the working set, is touched.
 */
import { symmetricEigen } from './sym-eigen';

export type MlrRegularizer = 'trace' | 'frobenius';

export interface RestrictedSolution {
  /** The PSD iterate Z (d x d). */
  w: Float64Array;
  /** ξ(W) over the working set. */
  xi: number;
  /** reg(W) + C ξ(W). */
  objective: number;
  /** ADMM iterations (one eigendecomposition each). */
  steps: number;
}

export class RestrictedSolver {
  private readonly gs: Float64Array[] = [];
  private readonly losses: number[] = [];
  /** tr G_t. */
  private readonly traces: number[] = [];
  /** Gram rows: h[t][s] = ⟨G_t, G_s⟩. */
  private readonly h: number[][] = [];
  private alpha: number[] = [];
  private z: Float64Array;
  private u: Float64Array;
  private rho = 1;
  private readonly b: number;
  private readonly c: number;

  constructor(private readonly d: number, private readonly C: number, private readonly reg: MlrRegularizer, private readonly maxSteps: number, private readonly threads: number) {
    this.z = new Float64Array(d * d);
    this.u = new Float64Array(d * d);
    this.b = reg === 'trace' ? 1 : 0;
    this.c = reg === 'trace' ? 0 : 1;
  }

  get constraints(): number {
    return this.gs.length;
  }

  /** Adds a constraint ⟨W, g⟩ >= loss − ξ and re-solves from the previous solution. */
  async add(g: Float64Array, loss: number): Promise<RestrictedSolution> {
    const row = this.gs.map((gt) => dot(gt, g));
    row.push(dot(g, g));
    this.h.forEach((r, t) => r.push(row[t]));
    this.h.push(row);
    this.gs.push(g);
    this.losses.push(loss);
    let tr = 0;
    for (let a = 0; a < this.d; a++) tr += g[a * this.d + a];
    this.traces.push(tr);
    this.alpha.push(0);
    return this.solve();
  }

  private async solve(): Promise<RestrictedSolution> {
    const d = this.d;
    const size = d * d;
    const v = new Float64Array(size);
    const w = new Float64Array(size);
    let steps = 0;
    while (steps < this.maxSteps) {
      steps++;
      for (let i = 0; i < size; i++) v[i] = this.z[i] - this.u[i];
      this.wStep(v, w);
      const zOld = this.z;
      for (let i = 0; i < size; i++) v[i] = w[i] + this.u[i];
      this.z = await projectPsd(v, d, this.threads);
      let primal = 0;
      let dual = 0;
      for (let i = 0; i < size; i++) {
        const r = w[i] - this.z[i];
        this.u[i] += r;
        primal += r * r;
        dual += (this.z[i] - zOld[i]) ** 2;
      }
      primal = Math.sqrt(primal);
      dual = this.rho * Math.sqrt(dual);
      // Absolute tolerances are in normalised feature units (W entries are O(1)).
      const epsPrimal = 1e-6 * d + 1e-4 * Math.max(norm(w), norm(this.z));
      const epsDual = 1e-6 * d + 1e-4 * this.rho * norm(this.u);
      if (primal < epsPrimal && dual < epsDual) break;
      if (primal > 10 * dual) this.rescale(2);
      else if (dual > 10 * primal) this.rescale(0.5);
    }
    const xi = this.slack(this.z);
    return { w: Float64Array.from(this.z), xi, objective: regValue(this.z, d, this.reg) + this.C * xi, steps };
  }

  /** ρ ← ρ·k; the scaled dual U = Y/ρ shrinks by the same factor. */
  private rescale(k: number): void {
    this.rho *= k;
    for (let i = 0; i < this.u.length; i++) this.u[i] /= k;
  }

  /** W(α) = (ρV + Σ α_t G_t − bI)/(ρ + c), α from the dual QP at this V. */
  private wStep(v: Float64Array, w: Float64Array): void {
    const T = this.gs.length;
    const kappa = this.rho + this.c;
    // Slack of constraint t at W(α): Δ_t − (ρ⟨V, G_t⟩ + (Hα)_t − b tr G_t)/κ.
    const base = this.gs.map((g, t) => this.losses[t] - (this.rho * dot(v, g) - this.b * this.traces[t]) / kappa);
    const alpha = this.alpha;
    const slack = base.map((l, t) => {
      let s = 0;
      for (let r = 0; r < T; r++) s += this.h[t][r] * alpha[r];
      return l - s / kappa;
    });
    let alpha0 = this.C - alpha.reduce((s, a) => s + a, 0);
    // SMO over {α_0, α_1..α_T} on the simplex of mass C; index −1 stands for α_0 (slack 0, G = 0).
    for (let move = 0; move < 10 * (T + 1); move++) {
      let hi = -1;
      let hiVal = 0;
      let lo = alpha0 > 0 ? -1 : -2;
      let loVal = alpha0 > 0 ? 0 : Infinity;
      for (let t = 0; t < T; t++) {
        if (slack[t] > hiVal) {
          hiVal = slack[t];
          hi = t;
        }
        if (alpha[t] > 0 && slack[t] < loVal) {
          loVal = slack[t];
          lo = t;
        }
      }
      if (lo === -2 || hi === lo || !(hiVal - loVal > 1e-7)) break;
      const avail = lo === -1 ? alpha0 : alpha[lo];
      const hii = hi === -1 ? 0 : this.h[hi][hi];
      const hll = lo === -1 ? 0 : this.h[lo][lo];
      const hil = hi === -1 || lo === -1 ? 0 : this.h[hi][lo];
      const curv = hii + hll - 2 * hil;
      const step = curv > 0 ? Math.min(avail, (kappa * (hiVal - loVal)) / curv) : avail;
      if (!(step > 0)) break;
      if (lo === -1) alpha0 -= step;
      else alpha[lo] -= step;
      if (hi === -1) alpha0 += step;
      else alpha[hi] += step;
      if (lo >= 0 && alpha[lo] < 1e-15 * this.C) {
        alpha0 += alpha[lo]; // keep the mass exact when rounding leaves dust
        alpha[lo] = 0;
      }
      for (let t = 0; t < T; t++) slack[t] -= (step * ((hi >= 0 ? this.h[t][hi] : 0) - (lo >= 0 ? this.h[t][lo] : 0))) / kappa;
    }
    const d = this.d;
    for (let i = 0; i < w.length; i++) w[i] = this.rho * v[i];
    for (let t = 0; t < T; t++) {
      if (alpha[t] === 0) continue;
      const g = this.gs[t];
      for (let i = 0; i < w.length; i++) w[i] += alpha[t] * g[i];
    }
    for (let a = 0; a < d; a++) w[a * d + a] -= this.b;
    for (let i = 0; i < w.length; i++) w[i] /= kappa;
  }

  /** ξ(W) = max(0, max_t Δ_t − ⟨W, G_t⟩). */
  slack(w: Float64Array): number {
    let xi = 0;
    for (let t = 0; t < this.gs.length; t++) xi = Math.max(xi, this.losses[t] - dot(w, this.gs[t]));
    return xi;
  }
}

/** Nearest PSD matrix in Frobenius norm: the eigendecomposition with negative eigenvalues set to 0. */
export async function projectPsd(a: Float64Array, d: number, threads: number): Promise<Float64Array> {
  const eig = await symmetricEigen(a, d, { threads });
  const out = new Float64Array(d * d);
  for (let p = 0; p < d && eig.values[p] > 0; p++) {
    const lambda = eig.values[p];
    const v = eig.vectors.subarray(p * d, (p + 1) * d);
    for (let i = 0; i < d; i++) {
      const li = lambda * v[i];
      if (li === 0) continue;
      const o = i * d;
      for (let j = 0; j <= i; j++) out[o + j] += li * v[j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) out[j * d + i] = out[i * d + j];
  return out;
}

/** tr W (trace) or ½‖W‖²_F (frobenius). */
export function regValue(w: Float64Array, d: number, reg: MlrRegularizer): number {
  if (reg === 'frobenius') return 0.5 * dot(w, w);
  let t = 0;
  for (let a = 0; a < d; a++) t += w[a * d + a];
  return t;
}

/** ⟨a, b⟩_F. */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}
