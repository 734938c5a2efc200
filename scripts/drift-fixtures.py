#!/usr/bin/env python3
"""Writes test/fixtures/drift-stats.json: expected values of the drift statistics computed with
scipy (Debian's python3-scipy) and with Evidently's formulas in numpy. The data come from the same
seeded generator as test/helpers/drift-data.ts, so the tests rebuild them without Python.
Run: /usr/bin/python3 scripts/drift-fixtures.py"""
import json, math
import numpy as np
from scipy import stats
from scipy.spatial import distance

def mulberry32(seed):
    a = seed & 0xFFFFFFFF
    def rnd():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return rnd

def normal(seed, n, mean=0.0, sd=1.0):
    r = mulberry32(seed)
    out = []
    for _ in range(n):
        u, v = r(), r()
        z = math.sqrt(-2 * math.log(u + 1e-12)) * math.cos(2 * math.pi * v)
        out.append(round((mean + sd * z) * 1e6) / 1e6)
    return out

def integers(seed, n, k):
    r = mulberry32(seed)
    return [math.floor(r() * k) for _ in range(n)]

def categories(seed, n, weights):
    r = mulberry32(seed)
    out = []
    for _ in range(n):
        u, acc = r(), 0.0
        for i, w in enumerate(weights):
            acc += w
            if u < acc:
                out.append(f"c{i}")
                break
        else:
            out.append(f"c{len(weights) - 1}")
    return out

def binned(ref, cur, numeric, feel_zeroes=True):
    ref, cur = np.asarray(ref), np.asarray(cur)
    if numeric and len(np.unique(ref)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = sorted(set(ref.tolist()) | set(cur.tolist()), key=str)
        rp = np.array([np.sum(ref == k) / len(ref) for k in keys])
        cp = np.array([np.sum(cur == k) / len(cur) for k in keys])
    # Evidently's get_binned_data(..., feel_zeroes): True for PSI and K-L, False for Jensen-Shannon.
    for p in (rp, cp) if feel_zeroes else ():
        nz = p[p != 0]
        fill = nz.min() / 10**6 if nz.min() <= 0.0001 else 0.0001
        np.place(p, p == 0, fill)
    return rp, cp

DATA = {
    "ks_small": {"ref": ["normal", 1, 7, 0, 1], "cur": ["normal", 2, 9, 0.5, 1]},
    "ks_exact": {"ref": ["normal", 3, 80, 0, 1], "cur": ["normal", 4, 120, 0.3, 1]},
    "ks_equal": {"ref": ["normal", 5, 100, 0, 1], "cur": ["normal", 6, 100, 0.5, 1]},
    "ks_ties": {"ref": ["integers", 7, 300, 10], "cur": ["integers", 8, 250, 9]},
    "ks_same": {"ref": ["normal", 9, 500, 0, 1], "cur": ["normal", 10, 700, 0, 1]},
    "ks_asymp": {"ref": ["normal", 11, 12000, 0, 1], "cur": ["normal", 12, 15000, 0.03, 1]},
    "ks_asymp_equal": {"ref": ["normal", 13, 11000, 0, 1], "cur": ["normal", 14, 11000, 0.01, 1]},
    "num_shift": {"ref": ["normal", 15, 2000, 0, 1], "cur": ["normal", 16, 1500, 0.2, 1.3]},
    "num_narrow": {"ref": ["normal", 17, 3000, 10, 0.0001], "cur": ["normal", 18, 3000, 10, 0.0001]},
    "cat": {"ref": ["categories", 19, 1000, [0.5, 0.3, 0.15, 0.05]], "cur": ["categories", 20, 800, [0.4, 0.3, 0.2, 0.1]]},
    "cat_new": {"ref": ["categories", 21, 600, [0.7, 0.3]], "cur": ["categories", 22, 700, [0.5, 0.3, 0.2]]},
    "binary": {"ref": ["categories", 23, 900, [0.8, 0.2]], "cur": ["categories", 24, 1100, [0.7, 0.3]]},
    "few_ints": {"ref": ["integers", 25, 400, 4], "cur": ["integers", 26, 450, 5]},
    "num_empty_bins": {"ref": ["normal", 27, 1000, 0, 1], "cur": ["normal", 28, 800, 6, 1]},
}

def make(spec):
    kind, *args = spec
    return {"normal": normal, "integers": integers, "categories": categories}[kind](*args)

out = {"data": DATA, "expected": {}}
for name, d in DATA.items():
    ref, cur = make(d["ref"]), make(d["cur"])
    e = {}
    numeric = d["ref"][0] != "categories"
    if numeric:
        ks = stats.ks_2samp(ref, cur)
        e["ks"] = {"statistic": float(ks.statistic), "pValue": float(ks.pvalue)}
        e["wassersteinNormed"] = float(stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001))
    jp, jq = binned(ref, cur, numeric, feel_zeroes=False)
    e["jensenShannon"] = float(distance.jensenshannon(jp, jq))
    rp, cp = binned(ref, cur, numeric)
    e["psi"] = float(np.sum((rp - cp) * np.log(rp / cp)))
    e["kl"] = float(stats.entropy(rp, cp))
    if not numeric or name == "few_ints":
        keys = sorted(set(map(str, ref)) | set(map(str, cur)))
        rc = {k: sum(1 for x in ref if str(x) == k) for k in keys}
        cc = {k: sum(1 for x in cur if str(x) == k) for k in keys}
        f_exp = [rc[k] * len(cur) / len(ref) for k in keys]
        f_obs = [cc[k] for k in keys]
        chi = stats.chisquare(f_obs, f_exp)
        e["chisquare"] = {"statistic": float(chi.statistic), "pValue": float(chi.pvalue)}
    if name == "binary":
        target = "c0"
        r = np.array([1 if x == target else 0 for x in ref]); c = np.array([1 if x == target else 0 for x in cur])
        n1, n2 = len(r), len(c); p1, p2 = r.sum() / n1, c.sum() / n2
        P = (p1 * n1 + p2 * n2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(P * (1 - P) * (1 / n1 + 1 / n2))
        e["ztest"] = {"statistic": float(z), "pValue": float(2 * (1 - stats.norm.cdf(abs(z))))}
    out["expected"][name] = e

with open("test/fixtures/drift-stats.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote test/fixtures/drift-stats.json with", len(DATA), "cases")
