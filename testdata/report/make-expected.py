# Writes expected-figures.json, the figures.json of the consortium's 2026-Q2
# report, and expected-figures-ORG-A.json, that of ORG-A's own report, from the numbers worked out by hand in WORKING.md. It only types
# those counts in, does the divisions, means, standard deviations, Wilson
# and Newcombe intervals (z = 1.959963984540054, t(0.975, 9) from tables),
# and writes suppressed figures where WORKING.md's suppression tables say
# so. It never runs the Go code. Run it from testdata/report/.
import json, math

P = "2026-Q2"
Z = 1.959963984540054
T9 = 2.262157162798205  # t(0.975, 9)

def wilson(x, n):
    p = x / n; d = 1 + Z*Z/n
    c = (p + Z*Z/(2*n)) / d
    h = Z*math.sqrt(p*(1-p)/n + Z*Z/(4*n*n)) / d
    lo, hi = max(0, c-h), min(1, c+h)
    if x == 0: lo = 0
    if x == n: hi = 1
    return lo, hi

def base(id, scope, unit, cohort=None, sub=None):
    f = {"id": id, "scope": scope, "period": P, "unit": unit}
    if sub: f["subgroup"] = {"dimension": sub[0], "value": sub[1]}
    if cohort: f["cohort"] = cohort
    return f
def count(id, scope, v, sub=None):
    f = base(id, scope, "count", sub=sub); f["value"] = v; return f
def rate(id, scope, x, n, cohort=None, sub=None):
    f = base(id, scope, "rate", cohort, sub); f["numerator"], f["denominator"] = x, n
    if n:
        f["value"] = x/n; f["ci_low"], f["ci_high"] = wilson(x, n)
    return f
def sust(id, scope, due, s, ns, u, sub=None):
    f = rate(id, scope, s, s+ns, sub=sub)
    if due: f["lower_bound"] = s/due
    f["counts"] = {"due": due, "sustained": s, "not_sustained": ns, "unknown": u}
    return f
def meanch(id, scope, xs):
    n = len(xs); assert n == 10
    m = sum(xs)/n; s = math.sqrt(sum((x-m)**2 for x in xs)/(n-1)); h = T9*s/math.sqrt(n)
    f = base(id, scope, "mean_change"); f.update({"denominator": n, "value": m, "ci_low": m-h, "ci_high": m+h}); return f
def gbp(id, scope, v, num=None, den=None):
    f = base(id, scope, "gbp")
    if den is not None: f["numerator"], f["denominator"] = num, den
    if v is not None: f["value"] = v
    return f
def ratio(id, scope, num, den):
    f = base(id, scope, "ratio"); f.update({"numerator": num, "denominator": den, "value": num/den}); return f
def diff(g, scope, x1, n1, x2, n2):
    f = base("personal_budget.%s.difference" % g, scope, "difference")
    if n1 and n2:
        p1, p2 = x1/n1, x2/n2; l1, u1 = wilson(x1, n1); l2, u2 = wilson(x2, n2); d = p1-p2
        f["value"] = d; f["ci_low"] = d - math.hypot(p1-l1, u2-p2); f["ci_high"] = d + math.hypot(u1-p1, p2-l2)
    f["counts"] = {"numerator_1": x1, "denominator_1": n1, "numerator_2": x2, "denominator_2": n2}
    return f
def hidden(f):
    s = {k: f[k] for k in ("id", "scope", "period", "unit", "subgroup", "cohort") if k in f}
    s["suppressed"] = True
    return s

HARD = ["STAYED_IN_WORK", "STARTED_WORK", "STARTED_SELF_EMPLOYMENT", "STARTED_TRAINING", "STARTED_EDUCATION"]
WAVES = ["W13", "W26", "W52", "W104"]
REFERRAL = ["partner", "own_channels", "outreach_social", "other"]

# Sections 5 to 8, WORKING.md: the paired changes (S01..S10) ...
CONF = [2, 0, 3, 1, 2, -1, 1, 1, 1, 2]
SWEM = [19.25-14.08, 17.98-17.43, 15.32-12.40, 19.25-19.98, 20.73-16.36, 20.73-20.73, 18.59-15.84, 16.88-13.33, 21.54-18.59, 23.21-17.98]
# ... and the money: ORG-A's delivery cost of the four quarters and its claims.
COST = 10000 + 12000 + 11000 + 13000
GROSS = 6897*1 + 8406*0.5 + 6897*0.5
NET = {"low": (1-0.40)*0.50, "central": (1-0.25)*0.75, "high": (1-0.10)*1.00}

# Support by activity and by mode (WORKING.md, section 1): code -> (contacts,
# minutes); every other code of the standard (schemas/v1/codelists.json, in
# its order) 0, 0.
ACT = ["TRAINING_COURSE", "IT_SKILLS", "CV_WRITING", "JOB_SEARCH", "CONFIDENCE_BUILDING", "ONE_TO_ONE_ADVICE",
       "BENEFITS_ADVICE", "VOLUNTEERING_PLACEMENT", "WORK_EXPERIENCE", "REPLACEMENT_CARE", "EMPLOYER_LIAISON", "OTHER"]
MODE = ["IN_PERSON", "ONLINE", "PHONE", "OUTREACH", "not_recorded"]
BY = {
 "consortium": ({"IT_SKILLS": (2, 140), "CV_WRITING": (1, 60), "JOB_SEARCH": (1, 0), "CONFIDENCE_BUILDING": (1, 120), "ONE_TO_ONE_ADVICE": (1, 40)},
                {"IN_PERSON": (2, 180), "ONLINE": (3, 140), "PHONE": (1, 40)}),
 "ORG-A": ({"IT_SKILLS": (1, 90), "CV_WRITING": (1, 60), "JOB_SEARCH": (1, 0), "CONFIDENCE_BUILDING": (1, 120)},
           {"IN_PERSON": (2, 180), "ONLINE": (2, 90)}),
 "ORG-B": ({"IT_SKILLS": (1, 50), "ONE_TO_ONE_ADVICE": (1, 40)},
           {"ONLINE": (1, 50), "PHONE": (1, 40)}),
}
def support_by(sc):
    out = []
    for col, codes, worked in (("activity", ACT, BY[sc][0]), ("mode", MODE, BY[sc][1])):
        for c in codes:
            n = worked.get(c, (0, 0))
            out += [count("support.contacts.%s.%s" % (col, c), sc, n[0]), count("support.minutes.%s.%s" % (col, c), sc, n[1])]
    return out

# One scope's figures, section by section, from WORKING.md's tables.
S = {
 "consortium": dict(reg=5, cum=17, supp=6, contacts=6, minutes=360, ooh=(2, 4), quarter=[0, 1, 0, 0, 2], any=3,
                    w26=[("2024-Q3", 1, 1), ("2025-Q2", 3, 10), ("2025-Q3", 1, 1)], w52=[("2024-Q3", 1, 1), ("2025-Q2", 5, 10)],
                    starts=[(4, 1, 0, 3), (3, 2, 0, 1), (2, 2, 0, 0)], kept=[(1, 0, 0, 1), (1, 1, 0, 0), (1, 0, 1, 0)],
                    resp=[(2, 12), (11, 12), (3, 6), (0, 0)], soft=True, ts=(8, 11), su=(7, 11), ref=([2, 1, 1, 1], 5),
                    costs=True, runway=None, budgets=[(2, 3, 2, 4), (0, 0, 2, 4), (0, 1, 2, 4)]),
 "ORG-A": dict(reg=3, cum=15, supp=4, contacts=4, minutes=270, ooh=(2, 3), quarter=[0, 0, 0, 0, 2], any=2,
               w26=[("2024-Q3", 1, 1), ("2025-Q2", 3, 10), ("2025-Q3", 1, 1)], w52=[("2024-Q3", 1, 1), ("2025-Q2", 5, 10)],
               starts=[(4, 1, 0, 3), (3, 2, 0, 1), (2, 2, 0, 0)], kept=[(1, 0, 0, 1), (1, 1, 0, 0), (1, 0, 1, 0)],
               resp=[(2, 12), (11, 12), (3, 6), (0, 0)], soft=True, ts=(8, 10), su=(7, 10), ref=([1, 1, 0, 1], 3),
               costs=True, runway=9, budgets=[(2, 3, 2, 4), (0, 0, 2, 4), (0, 1, 2, 4)]),
 "ORG-B": dict(reg=2, cum=2, supp=2, contacts=2, minutes=90, ooh=(0, 1), quarter=[0, 1, 0, 0, 0], any=1,
               w26=[], w52=[], starts=[(0, 0, 0, 0)]*3, kept=[(0, 0, 0, 0)]*3,
               resp=[(0, 0)]*4, soft=False, ts=(0, 1), su=(0, 1), ref=([1, 0, 1, 0], 2),
               costs=False, runway=5, budgets=[(0, 0, 0, 0)]*3),
}

def scope_figures(sc):
    d = S[sc]
    out = [count("reach.registered", sc, d["reg"]), count("reach.registered_cumulative", sc, d["cum"]),
           count("reach.supported", sc, d["supp"]), count("support.contacts", sc, d["contacts"]),
           count("support.minutes", sc, d["minutes"]), rate("support.outside_office_hours", sc, *d["ooh"])]
    out += support_by(sc)
    out += [count("outcomes.quarter."+c, sc, v) for c, v in zip(HARD, d["quarter"])]
    out.append(count("outcomes.quarter.any_hard", sc, d["any"]))
    out += [rate("hard_outcome_rate.w26", sc, x, n, cohort=c) for c, x, n in d["w26"]]
    out += [rate("hard_outcome_rate.w52", sc, x, n, cohort=c) for c, x, n in d["w52"]]
    for kind in ("starts", "kept"):
        out += [sust("sustained.%s.w%d" % (kind, w), sc, *r) for w, r in zip((13, 26, 52), d[kind])]
    out += [rate("followup.response."+w, sc, *r) for w, r in zip(WAVES, d["resp"])]
    if d["soft"]:
        out += [meanch("soft.confidence.change", sc, CONF), meanch("soft.swemwbs.change", sc, SWEM),
                rate("soft.swemwbs.improved", sc, 4, 10)]
    out += [rate("experience.times_suited", sc, *d["ts"]), rate("experience.staff_understood", sc, *d["su"])]
    out += [rate("referral."+g, sc, x, d["ref"][1]) for g, x in zip(REFERRAL, d["ref"][0])]
    if d["costs"]:
        out += [gbp("cost.per_carer_supported", sc, COST/5, COST, 5), gbp("cost.per_hard_outcome", sc, COST/5, COST, 5),
                gbp("cost.per_sustained_job_w26", sc, COST/2, COST, 2), gbp("savings.gross", sc, GROSS)]
        out += [gbp("savings.net."+k, sc, GROSS*NET[k]) for k in ("low", "central", "high")]
        out.append(ratio("savings.ratio.central", sc, GROSS*NET["central"], COST))
    if d["runway"] is not None:
        out.append(count("funding.runway_months", sc, d["runway"]))
    # each group's rate, NONE first: the (x, n) pairs of the differences
    b = d["budgets"]
    out.append(rate("personal_budget.NONE.rate", sc, b[0][2], b[0][3]))
    out += [rate("personal_budget.%s.rate" % g, sc, x[0], x[1]) for g, x in zip(["CARER", "CARED_FOR", "BOTH"], b)]
    out += [diff(g, sc, *b) for g, b in zip(["CARER", "CARED_FOR", "BOTH"], d["budgets"])]
    return out

# Subgroups (WORKING.md, section 9): per dimension, each value's
# registered, supported and any-hard counts in the quarter, in the order of
# the values; then which of them the suppression table leaves shown.
SUB = [
 ("age_band", [("25-34", 5, 5, 1), ("45-54", 0, 1, 2), ("not recorded", 0, 0, 0)],
  {"reach.registered": ["25-34", "45-54", "not recorded"], "reach.supported": ["25-34"], "outcomes.quarter.any_hard": ["not recorded"]}),
 ("gender", [("F", 4, 5, 3), ("M", 1, 1, 0)],
  {"reach.registered": [], "reach.supported": [], "outcomes.quarter.any_hard": []}),
 ("ethnicity", [("not recorded", 5, 6, 3)],
  {"reach.registered": ["not recorded"], "reach.supported": ["not recorded"], "outcomes.quarter.any_hard": []}),
 ("cared_for_condition", [("DEMENTIA", 5, 6, 1), ("MENTAL_HEALTH", 0, 0, 2)],
  {"reach.registered": ["DEMENTIA", "MENTAL_HEALTH"], "reach.supported": ["DEMENTIA", "MENTAL_HEALTH"], "outcomes.quarter.any_hard": []}),
 ("limiting_illness", [("N", 5, 5, 3), ("Y", 0, 1, 0), ("not recorded", 0, 0, 0)],
  {"reach.registered": ["N", "Y", "not recorded"], "reach.supported": ["N"], "outcomes.quarter.any_hard": ["not recorded"]}),
 ("financial_difficulty", [("N", 5, 6, 3)],
  {"reach.registered": ["N"], "reach.supported": ["N"], "outcomes.quarter.any_hard": []}),
 ("personal_budget", [("BOTH", 0, 0, 0), ("CARER", 0, 2, 1), ("NONE", 5, 4, 2), ("U", 0, 0, 0), ("not recorded", 0, 0, 0)],
  {"reach.registered": ["BOTH", "CARER", "NONE", "U", "not recorded"], "reach.supported": ["BOTH", "U", "not recorded"],
   "outcomes.quarter.any_hard": ["BOTH", "U", "not recorded"]}),
 ("referral_group", [("other", 1, 0, 0), ("outreach_social", 1, 2, 0), ("own_channels", 1, 1, 0), ("partner", 2, 3, 3)],
  {"reach.registered": [], "reach.supported": ["other"], "outcomes.quarter.any_hard": ["outreach_social", "own_channels"]}),
 ("local_authority", [("E06000014", 2, 2, 1), ("E08000035", 3, 4, 2), ("not recorded", 0, 0, 0)],
  {"reach.registered": ["not recorded"], "reach.supported": ["not recorded"], "outcomes.quarter.any_hard": ["not recorded"]}),
]

def subgroup_figures():
    out = []
    for dim, values, shown in SUB:
        for v, reg, supp, anyh in values:
            sub = (dim, v)
            for id, n in (("reach.registered", reg), ("reach.supported", supp), ("outcomes.quarter.any_hard", anyh)):
                f = count(id, "consortium", n, sub=sub)
                out.append(f if v in shown[id] else hidden(f))
            # every subgroup's sustained rate at 26 weeks has a denominator
            # under 10 (the consortium's own are 2 and 1): all suppressed
            for id in ("sustained.starts.w26", "sustained.kept.w26"):
                out.append(hidden(base(id, "consortium", "rate", sub=sub)))
    return out

# Organisations' figures shown in the consortium's report (WORKING.md,
# "Suppression: the organisations"); all others suppressed. (id, scope, cohort)
ORG_SHOWN = {("support.minutes", "ORG-A", None), ("support.minutes", "ORG-B", None)}
# Support by activity and mode (WORKING.md, section 10): every minutes
# figure, and the contacts both organisations have 0 of.
for col, codes in (("activity", ACT), ("mode", MODE)):
    for c in codes:
        shown = ["support.minutes.%s.%s" % (col, c)]
        if c not in BY["ORG-A"][0 if col == "activity" else 1] and c not in BY["ORG-B"][0 if col == "activity" else 1]:
            shown.append("support.contacts.%s.%s" % (col, c))
        for id in shown:
            ORG_SHOWN |= {(id, "ORG-A", None), (id, "ORG-B", None)}
for c in ("STAYED_IN_WORK", "STARTED_SELF_EMPLOYMENT", "STARTED_TRAINING"):
    ORG_SHOWN |= {("outcomes.quarter."+c, "ORG-A", None), ("outcomes.quarter."+c, "ORG-B", None)}
ORG_SHOWN |= {("hard_outcome_rate.w52", "ORG-A", "2025-Q2"), ("soft.confidence.change", "ORG-A", None),
              ("soft.swemwbs.change", "ORG-A", None), ("savings.gross", "ORG-A", None),
              ("savings.net.low", "ORG-A", None), ("savings.net.central", "ORG-A", None),
              ("savings.net.high", "ORG-A", None), ("savings.ratio.central", "ORG-A", None),
              ("funding.runway_months", "ORG-A", None), ("funding.runway_months", "ORG-B", None)}

def consortium_report():
    out = []
    for f in scope_figures("consortium"):
        # personal-budget groups are below consortium level: every one has
        # a group denominator under 10 (WORKING.md, section 8)
        out.append(hidden(f) if f["id"].startswith("personal_budget.") else f)
    out += subgroup_figures()
    for sc in ("ORG-A", "ORG-B"):
        for f in scope_figures(sc):
            out.append(f if (f["id"], sc, f.get("cohort")) in ORG_SHOWN else hidden(f))
    return out

def rnd(v):
    if isinstance(v, float): return round(v, 6)
    if isinstance(v, dict): return {k: rnd(x) for k, x in v.items()}
    return v

def write(path, figs):
    for f in figs:
        f.setdefault("suppressed", False)
    with open(path, "w") as out:
        out.write("[\n" + ",\n".join(json.dumps({k: rnd(v) for k, v in f.items()}) for f in figs) + "\n]\n")

# An organisation's own report: its figures in full, beside the
# consortium's figures and subgroups suppressed as in the consortium's
# report (no other organisation's figures).
def own_report(org):
    return [f for f in consortium_report() if f["scope"] == "consortium"] + scope_figures(org)

write("expected-figures.json", consortium_report())
write("expected-figures-ORG-A.json", own_report("ORG-A"))
