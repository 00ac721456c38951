#!/usr/bin/env python3
# naive2_reference.py M1_LONG.csv FORECASTS.csv - an independent Naive2
# after the M4 benchmark code (R: seasonality_test, decompose(type =
# "multiplicative")) in plain Python: recomputes the M1 MAPE with and
# without the seasonality test and compares its forecasts with
# `cs-forecast-eval --method naive2 --forecasts-out FORECASTS.csv`.
# See docs/models/forecasting.md, "M1 Naive2".
import csv, sys, collections, statistics as st
FREQ = {'yearly': 1, 'quarterly': 4, 'monthly': 12}
def acf(x, kmax):
    n = len(x); m = sum(x) / n
    c0 = sum((v - m) ** 2 for v in x)
    return [sum((x[t] - m) * (x[t + k] - m) for t in range(n - k)) / c0 for k in range(1, kmax + 1)]
def seasonal(x, p):
    if len(x) < 3 * p: return False
    r = acf(x, p)
    lim = 1.645 / len(x) ** 0.5 * (1 + 2 * sum(v * v for v in r[:p - 1])) ** 0.5
    return abs(r[p - 1]) > lim
def figure(x, p):  # R decompose(): centred MA, mean ratio per position, / mean
    n = len(x); h = p // 2; s = collections.defaultdict(list)
    for t in range(h, n - h):
        if p % 2 == 0:
            ma = (0.5 * x[t - h] + sum(x[t - h + 1:t + h]) + 0.5 * x[t + h]) / p
        else:
            ma = sum(x[t - h:t + h + 1]) / p
        s[t % p].append(x[t] / ma)
    fig = [st.mean(s[k]) for k in range(p)]
    mf = st.mean(fig)
    return [v / mf for v in fig]
def naive2(x, p, h, test):
    idx = [1.0] * p
    if p > 1 and len(x) >= 2 * p and min(x) > 0 and (seasonal(x, p) or not test):
        idx = figure(x, p)
    adj = [v / idx[t % p] for t, v in enumerate(x)]
    n = len(x)
    return [adj[-1] * idx[(n + j) % p] for j in range(h)]
series = collections.defaultdict(lambda: {'train': [], 'test': []}); per = {}
for r in csv.DictReader(open(sys.argv[1])):
    series[r['series_id']][r['split']].append(float(r['value'])); per[r['series_id']] = r['period']
ours = collections.defaultdict(dict)
for r in csv.DictReader(open(sys.argv[2])):
    ours[r['series_id']][int(r['h'])] = float(r['value'])
for test in (False, True):
    apes = []; maxdiff = 0.0
    for sid, d in series.items():
        fc = naive2(d['train'], FREQ[per[sid]], len(d['test']), test)
        for j, (y, f) in enumerate(zip(d['test'], fc)):
            if not test:
                maxdiff = max(maxdiff, abs(f - ours[sid][j + 1]) / max(abs(f), 1e-12))
            if y != 0: apes.append(100 * abs(y - f) / abs(y))
    print('seasonality test %s: MAPE 1-18 pooled %.2f over %d errors' % (test, st.mean(apes), len(apes)),
          '' if test else '; max relative difference to cs-forecast-eval %.1e' % maxdiff)
