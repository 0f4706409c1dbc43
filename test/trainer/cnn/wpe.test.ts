// WPE quadratic forms against the brute-force sum over every (user, song) pair of c (p − xᵀy)².
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transpose } from '../../../trainer/data/csr';
import { fromTriples } from '../../../trainer/data/interactions';
import { mulberry32 } from '../../../trainer/eval/prng';
import { wpeForms, wpeValue } from '../../../trainer/cnn/wpe';

test('ŷᵀAŷ − 2bᵀŷ + k equals Σ_u c_ui (p_ui − x_uᵀŷ)² / users, for log and linear confidence', () => {
  const r = mulberry32(8);
  const users = 30;
  const items = 12;
  const f = 4;
  const u: string[] = [];
  const it: string[] = [];
  const c: number[] = [];
  for (let a = 0; a < users; a++) for (let b = 0; b < items; b++) if (r() < 0.25 || b === a % items) {
    u.push(`u${a}`);
    it.push(`i${b}`);
    c.push(1 + Math.floor(r() * 20));
  }
  const data = fromTriples(u, it, c);
  const byItem = transpose(data.byUser);
  const x = Float32Array.from({ length: data.users.length * f }, () => r() * 2 - 1);
  for (const mode of ['log', 'linear'] as const) {
    const conf = (count: number) => (mode === 'log' ? 1 + 2 * Math.log1p(count / 1e-6) : 1 + 0.5 * count);
    const songs = [0, 5, items - 1, 3];
    const forms = wpeForms(byItem, x, f, songs, mode === 'log' ? { mode, alpha: 2, eps: 1e-6 } : { mode, alpha: 0.5 });
    songs.forEach((i, s) => {
      const y = Array.from({ length: f }, () => r() * 2 - 1);
      let brute = 0;
      for (let uu = 0; uu < data.users.length; uu++) {
        let count = 0;
        for (let j = data.byUser.indptr[uu]; j < data.byUser.indptr[uu + 1]; j++) if (data.byUser.indices[j] === i) count = data.byUser.data[j];
        const cui = count > 0 ? conf(count) : 1;
        const p = count > 0 ? 1 : 0;
        let dot = 0;
        for (let q = 0; q < f; q++) dot += x[uu * f + q] * y[q];
        brute += cui * (p - dot) ** 2;
      }
      brute /= data.users.length;
      const got = wpeValue(forms, s, y);
      assert.ok(Math.abs(got - brute) <= 1e-4 * Math.max(1, Math.abs(brute)), `${mode} song ${i}: ${got} vs ${brute}`);
    });
  }
});
