# Writes testdata/metrics/expected-2026-Q2.json from numbers worked out by hand
# in WORKING.md; Python only does the division and the Wilson interval.
import json, math
Z = 1.959963984540054
def wilson(x, n):
    p = x / n; d = 1 + Z*Z/n
    c = (p + Z*Z/(2*n)) / d
    h = Z*math.sqrt(p*(1-p)/n + Z*Z/(4*n*n)) / d
    lo, hi = max(0, c-h), min(1, c+h)
    if x == 0: lo = 0
    if x == n: hi = 1
    return round(lo, 6), round(hi, 6)
P = "2026-Q2"
def count(scope, id, v): return {"id": id, "scope": scope, "period": P, "unit": "count", "value": v, "suppressed": False}
def rate(scope, id, x, n, **kw):
    f = {"id": id, "scope": scope, "period": P, "unit": "rate", "numerator": x, "denominator": n}
    if n:
        f["value"] = round(x/n, 6); f["ci_low"], f["ci_high"] = wilson(x, n)
    f.update(kw); f["suppressed"] = False
    return f
def sust(scope, id, due, s, ns, u):
    kw = {"counts": {"due": due, "sustained": s, "not_sustained": ns, "unknown": u}}
    if due: kw["lower_bound"] = round(s/due, 6)
    return rate(scope, id, s, s+ns, **kw)
# The standard's activity and mode codes, in its order (schemas/v1/codelists.json).
ACT = ["TRAINING_COURSE","IT_SKILLS","CV_WRITING","JOB_SEARCH","CONFIDENCE_BUILDING","ONE_TO_ONE_ADVICE","BENEFITS_ADVICE",
       "VOLUNTEERING_PLACEMENT","WORK_EXPERIENCE","REPLACEMENT_CARE","EMPLOYER_LIAISON","OTHER"]
MODE = ["IN_PERSON","ONLINE","PHONE","OUTREACH","not_recorded"]
def by(sc, dim, codes, worked):
    # worked: code -> (contacts, minutes) from WORKING.md; every other code 0, 0
    out = []
    for c in codes:
        n = worked.get(c, (0, 0))
        out += [count(sc, "support.contacts.%s.%s" % (dim, c), n[0]), count(sc, "support.minutes.%s.%s" % (dim, c), n[1])]
    return out
H = ["STAYED_IN_WORK","STARTED_WORK","STARTED_SELF_EMPLOYMENT","STARTED_TRAINING","STARTED_EDUCATION"]
def scope(sc, reg, cum, supp, contacts, minutes, ooh, act, mode, oq, anyh, w26, w52, starts, kept, resp):
    out = [count(sc,"reach.registered",reg), count(sc,"reach.registered_cumulative",cum), count(sc,"reach.supported",supp),
           count(sc,"support.contacts",contacts), count(sc,"support.minutes",minutes), rate(sc,"support.outside_office_hours",*ooh)]
    out += by(sc, "activity", ACT, act) + by(sc, "mode", MODE, mode)
    out += [count(sc,"outcomes.quarter."+c,oq[i]) for i,c in enumerate(H)]
    out.append(count(sc,"outcomes.quarter.any_hard",anyh))
    for n, cs in (("26", w26), ("52", w52)):
        out += [rate(sc,"hard_outcome_rate.w"+n,x,d,cohort=c) for c,x,d in cs]
    for kind, rows in (("starts", starts), ("kept", kept)):
        out += [sust(sc,"sustained.%s.w%d"%(kind,n),*r) for n,r in zip((13,26,52),rows)]
    out += [rate(sc,"followup.response."+w,x,d) for w,(x,d) in zip(("W13","W26","W52","W104"),resp)]
    return out
figs = scope("consortium", 2, 11, 4, 5, 255, (2,3),
             {"TRAINING_COURSE": (1,120), "IT_SKILLS": (1,30), "CV_WRITING": (1,60), "JOB_SEARCH": (1,0), "ONE_TO_ONE_ADVICE": (1,45)},
             {"IN_PERSON": (2,180), "ONLINE": (2,30), "PHONE": (1,45)},
             [0,1,1,1,1], 3,
             [("2025-Q1",3,4),("2025-Q2",0,2),("2025-Q3",0,1)], [("2025-Q1",3,4),("2025-Q2",1,2)],
             [(2,0,1,1),(2,0,0,2),(2,1,1,0)], [(1,1,0,0),(1,1,0,0),(0,0,0,0)],
             [(3,7),(3,6),(3,4),(0,0)])
figs += scope("ORG-A", 1, 7, 2, 3, 105, (1,2),
             {"CV_WRITING": (1,60), "JOB_SEARCH": (1,0), "ONE_TO_ONE_ADVICE": (1,45)},
             {"IN_PERSON": (1,60), "ONLINE": (1,0), "PHONE": (1,45)},
             [0,1,0,0,1], 1,
             [("2025-Q1",2,3),("2025-Q2",0,1),("2025-Q3",0,1)], [("2025-Q1",2,3),("2025-Q2",0,1)],
             [(1,0,1,0),(1,0,0,1),(1,1,0,0)], [(1,1,0,0),(1,1,0,0),(0,0,0,0)],
             [(2,5),(2,4),(2,3),(0,0)])
with open("expected-2026-Q2.json","w") as f:
    f.write("[\n" + ",\n".join(json.dumps(x) for x in figs) + "\n]\n")
