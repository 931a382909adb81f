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

# Each carer's subgroups and what the subgroup figures count of them
# (WORKING.md, section 9, "Each carer"): organisation; age band, gender,
# ethnicity, cared-for condition, limiting illness, financial difficulty,
# personal budget, referral group, local authority (None: not recorded);
# registered (R), supported (P), any hard outcome (H) in the quarter; the
# cohort shown at 26 weeks or None, and whether a hard outcome came within
# 26 and within 52 weeks (None: the cohort is not shown at 52).
NR = "not recorded"
DIMS = ["age_band", "gender", "ethnicity", "cared_for_condition", "limiting_illness",
        "financial_difficulty", "personal_budget", "referral_group", "local_authority"]
CARERS = {
 #       org      age      g    eth   cond             lim   fin  budget  referral           LA           R  P  H  cohort     w26 w52
 "E1":  ("ORG-A", "45-54", "F", None, "DEMENTIA",      None, "N", None,   "partner",         "E08000035", 0, 0, 0, "2024-Q3", 1, 1),
 "S01": ("ORG-A", "25-34", "F", None, "DEMENTIA",      "Y",  "N", "CARER","partner",         "E08000035", 0, 1, 0, "2025-Q2", 1, 1),
 "S02": ("ORG-A", "45-54", "F", None, "DEMENTIA",      "Y",  "N", "NONE", "partner",         "E08000035", 0, 0, 0, "2025-Q2", 1, 1),
 "S03": ("ORG-A", "45-54", "F", None, "DEMENTIA",      "N",  "N", "CARER","outreach_social", "E08000035", 0, 1, 0, "2025-Q2", 1, 1),
 "S04": ("ORG-A", "45-54", "F", None, "DEMENTIA",      "N",  "N", "NONE", "partner",         "E08000035", 0, 0, 0, "2025-Q2", 0, 1),
 "S05": ("ORG-A", None,    "F", None, "DEMENTIA",      "N",  "N", "NONE", "partner",         "E08000035", 0, 0, 0, "2025-Q2", 0, 0),
 "S06": ("ORG-A", "45-54", "F", None, "DEMENTIA",      "N",  "N", "NONE", "partner",         "E08000035", 0, 0, 0, "2025-Q2", 0, 0),
 "S07": ("ORG-A", "45-54", "F", None, "MENTAL_HEALTH", "N",  "N", "CARER","partner",         "E08000035", 0, 0, 1, "2025-Q2", 0, 0),
 "S08": ("ORG-A", "45-54", "F", None, "MENTAL_HEALTH", "N",  "N", "BOTH", "partner",         "E08000035", 0, 0, 0, "2025-Q2", 0, 0),
 "S09": ("ORG-A", "45-54", "F", None, "MENTAL_HEALTH", "N",  "N", "U",    "partner",         "E08000035", 0, 0, 0, "2025-Q2", 0, 0),
 "S10": ("ORG-A", "45-54", "F", None, "MENTAL_HEALTH", "N",  "N", "NONE", "partner",         "E08000035", 0, 0, 1, "2025-Q2", 0, 1),
 "S11": ("ORG-A", "45-54", "F", None, "MENTAL_HEALTH", "N",  "N", "NONE", "partner",         None,        0, 0, 0, "2025-Q3", 1, None),
 "N1":  ("ORG-A", "25-34", "F", None, "DEMENTIA",      "N",  "N", "NONE", "partner",         "E08000035", 1, 1, 0, None,      0, None),
 "N2":  ("ORG-A", "25-34", "F", None, "DEMENTIA",      "N",  "N", "NONE", "own_channels",    "E08000035", 1, 1, 0, None,      0, None),
 "N3":  ("ORG-A", "25-34", "F", None, "DEMENTIA",      "N",  "N", "NONE", "other",           "E08000035", 1, 0, 0, None,      0, None),
 "B1":  ("ORG-B", "25-34", "M", None, "DEMENTIA",      "N",  "N", "NONE", "outreach_social", "E06000014", 1, 1, 0, None,      0, None),
 "B2":  ("ORG-B", "25-34", "F", None, "DEMENTIA",      "N",  "N", "NONE", "partner",         "E06000014", 1, 1, 1, None,      0, None),
}
# The due job starts and kept jobs (WORKING.md, section 3): carer, kind, and
# the result at 13, 26 and 52 weeks ("s", "ns", "u"; None: not due). B2's
# start is never due.
JOBS = [("E1", "starts", ["u", "s", "s"]), ("S01", "starts", ["u", "s", "s"]), ("S11", "starts", ["s", "u", None]),
        ("S04", "starts", ["u", None, None]), ("S02", "kept", ["u", "s", "ns"])]

# The sums worked by hand in WORKING.md, section 9, for the consortium,
# which the sums over CARERS must match: the typing is checked twice.
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
# Cohort rates by subgroup for the consortium (WORKING.md, section 9):
# dimension, value -> [(id, cohort, hits, members)]; checked against CARERS.
SUB_COHORTS = {
 ("age_band", "25-34"): [("w26", "2025-Q2", 1, 1), ("w52", "2025-Q2", 1, 1)],
 ("age_band", "45-54"): [("w26", "2024-Q3", 1, 1), ("w26", "2025-Q2", 2, 8), ("w26", "2025-Q3", 1, 1), ("w52", "2024-Q3", 1, 1), ("w52", "2025-Q2", 4, 8)],
 ("age_band", NR): [("w26", "2025-Q2", 0, 1), ("w52", "2025-Q2", 0, 1)],
 ("cared_for_condition", "DEMENTIA"): [("w26", "2024-Q3", 1, 1), ("w26", "2025-Q2", 3, 6), ("w52", "2024-Q3", 1, 1), ("w52", "2025-Q2", 4, 6)],
 ("cared_for_condition", "MENTAL_HEALTH"): [("w26", "2025-Q2", 0, 4), ("w26", "2025-Q3", 1, 1), ("w52", "2025-Q2", 1, 4)],
 ("limiting_illness", "N"): [("w26", "2025-Q2", 1, 8), ("w26", "2025-Q3", 1, 1), ("w52", "2025-Q2", 3, 8)],
 ("limiting_illness", "Y"): [("w26", "2025-Q2", 2, 2), ("w52", "2025-Q2", 2, 2)],
 ("limiting_illness", NR): [("w26", "2024-Q3", 1, 1), ("w52", "2024-Q3", 1, 1)],
 ("personal_budget", "BOTH"): [("w26", "2025-Q2", 0, 1), ("w52", "2025-Q2", 0, 1)],
 ("personal_budget", "CARER"): [("w26", "2025-Q2", 2, 3), ("w52", "2025-Q2", 2, 3)],
 ("personal_budget", "NONE"): [("w26", "2025-Q2", 1, 5), ("w26", "2025-Q3", 1, 1), ("w52", "2025-Q2", 3, 5)],
 ("personal_budget", "U"): [("w26", "2025-Q2", 0, 1), ("w52", "2025-Q2", 0, 1)],
 ("personal_budget", NR): [("w26", "2024-Q3", 1, 1), ("w52", "2024-Q3", 1, 1)],
 ("referral_group", "outreach_social"): [("w26", "2025-Q2", 1, 1), ("w52", "2025-Q2", 1, 1)],
 ("referral_group", "partner"): [("w26", "2024-Q3", 1, 1), ("w26", "2025-Q2", 2, 9), ("w26", "2025-Q3", 1, 1), ("w52", "2024-Q3", 1, 1), ("w52", "2025-Q2", 4, 9)],
 ("local_authority", "E08000035"): [("w26", "2024-Q3", 1, 1), ("w26", "2025-Q2", 3, 10), ("w52", "2024-Q3", 1, 1), ("w52", "2025-Q2", 5, 10)],
 ("local_authority", NR): [("w26", "2025-Q3", 1, 1)],
}
ALL_COHORTS = [("w26", "2024-Q3", 1, 1), ("w26", "2025-Q2", 3, 10), ("w26", "2025-Q3", 1, 1), ("w52", "2024-Q3", 1, 1), ("w52", "2025-Q2", 5, 10)]
for k in (("gender", "F"), ("ethnicity", NR), ("financial_difficulty", "N")):
    SUB_COHORTS[k] = ALL_COHORTS
# Sustained starts and kept jobs by subgroup (WORKING.md, section 9):
# dimension, value -> (starts, kept), each at 13, 26, 52 weeks as
# (due, sustained, not sustained, unknown); a value not listed has every
# count 0. Checked against CARERS and JOBS.
Z4 = (0, 0, 0, 0)
ALL_STARTS = [(4, 1, 0, 3), (3, 2, 0, 1), (2, 2, 0, 0)]
ALL_KEPT = [(1, 0, 0, 1), (1, 1, 0, 0), (1, 0, 1, 0)]
E1_S01 = [(1, 0, 0, 1), (1, 1, 0, 0), (1, 1, 0, 0)]  # one start unknown at 13, sustained at 26 and 52
S11_S04 = [(2, 1, 0, 1), (1, 0, 0, 1), Z4]
S11 = [(1, 1, 0, 0), (1, 0, 0, 1), Z4]
SUB_SUSTAINED = {
 ("age_band", "25-34"): (E1_S01, [Z4]*3),
 ("age_band", "45-54"): ([(3, 1, 0, 2), (2, 1, 0, 1), (1, 1, 0, 0)], ALL_KEPT),
 ("gender", "F"): (ALL_STARTS, ALL_KEPT), ("ethnicity", NR): (ALL_STARTS, ALL_KEPT),
 ("financial_difficulty", "N"): (ALL_STARTS, ALL_KEPT), ("referral_group", "partner"): (ALL_STARTS, ALL_KEPT),
 ("cared_for_condition", "DEMENTIA"): ([(3, 0, 0, 3), (2, 2, 0, 0), (2, 2, 0, 0)], ALL_KEPT),
 ("cared_for_condition", "MENTAL_HEALTH"): (S11, [Z4]*3),
 ("limiting_illness", "N"): (S11_S04, [Z4]*3),
 ("limiting_illness", "Y"): (E1_S01, ALL_KEPT),
 ("limiting_illness", NR): (E1_S01, [Z4]*3),
 ("personal_budget", "CARER"): (E1_S01, [Z4]*3),
 ("personal_budget", "NONE"): (S11_S04, ALL_KEPT),
 ("personal_budget", NR): (E1_S01, [Z4]*3),
 ("local_authority", "E08000035"): ([(3, 0, 0, 3), (2, 2, 0, 0), (2, 2, 0, 0)], ALL_KEPT),
 ("local_authority", NR): (S11, [Z4]*3),
}
# The only subgroup figures of the new kinds shown in the consortium's
# report (WORKING.md, section 10): 5 of 10 of the 2025-Q2 cohort at 52
# weeks, where one subgroup holds the whole cohort. Every other cohort rate
# has a denominator under 10 or a numerator from 1 to 4, and every
# sustained figure a denominator of at most 2.
SUB_SHOWN = {("hard_outcome_rate.w52", "2025-Q2", d, v) for d, v in
             (("gender", "F"), ("ethnicity", NR), ("financial_difficulty", "N"), ("local_authority", "E08000035"))}

def members(scope, dim):
    """The values of a dimension in a scope, each with its carers, in the program's order."""
    by = {}
    for name, c in CARERS.items():
        if scope != "consortium" and c[0] != scope:
            continue
        v = c[1 + DIMS.index(dim)] or NR
        by.setdefault(v, []).append(name)
    return [(v, by[v]) for v in sorted(by, key=lambda v: (v == NR, v))]

def subgroup_sums(scope, dim, value, names):
    reg, supp, anyh = (sum(CARERS[n][i] for n in names) for i in (10, 11, 12))
    cohorts = []
    for w, col in (("w26", 14), ("w52", 15)):
        for q in sorted({CARERS[n][13] for n in names if CARERS[n][13] and CARERS[n][col] is not None}):
            ms = [n for n in names if CARERS[n][13] == q]
            cohorts.append((w, q, sum(CARERS[n][col] for n in ms), len(ms)))
    sust = {}
    for kind in ("starts", "kept"):
        sust[kind] = []
        for i in range(3):
            res = [r[i] for n, k, r in JOBS if k == kind and n in names and r[i]]
            sust[kind].append((len(res), res.count("s"), res.count("ns"), res.count("u")))
    return reg, supp, anyh, cohorts, sust

# The typed sums for the consortium agree with the sums over the carers.
for dim, values, _ in SUB:
    got = members("consortium", dim)
    assert [v for v, _ in got] == [v for v, *_ in values], dim
    for (v, names), (_, reg, supp, anyh) in zip(got, values):
        r, p, h, cohorts, jobs = subgroup_sums("consortium", dim, v, names)
        assert (r, p, h) == (reg, supp, anyh), (dim, v)
        assert cohorts == SUB_COHORTS.get((dim, v), []), (dim, v, cohorts)
        want = SUB_SUSTAINED.get((dim, v), ([Z4]*3, [Z4]*3))
        assert (jobs["starts"], jobs["kept"]) == (list(want[0]), list(want[1])), (dim, v, jobs)

def subgroup_figures(scope):
    """Section 9's figures of a scope, unsuppressed, with the key each is shown under in the consortium's report."""
    out = []
    for dim in DIMS:
        for v, names in members(scope, dim):
            sub = (dim, v)
            reg, supp, anyh, cohorts, jobs = subgroup_sums(scope, dim, v, names)
            out += [count("reach.registered", scope, reg, sub=sub), count("reach.supported", scope, supp, sub=sub),
                    count("outcomes.quarter.any_hard", scope, anyh, sub=sub)]
            out += [rate("hard_outcome_rate." + w, scope, x, n, cohort=q, sub=sub) for w, q, x, n in cohorts]
            for kind in ("starts", "kept"):
                out += [sust("sustained.%s.w%d" % (kind, w), scope, *r, sub=sub) for w, r in zip((13, 26, 52), jobs[kind])]
    return out

def consortium_subgroups():
    """The consortium's subgroups as the consortium's report shows them (WORKING.md, section 10)."""
    shown = {d: s for d, _, s in SUB}
    out = []
    for f in subgroup_figures("consortium"):
        d, v = f["subgroup"]["dimension"], f["subgroup"]["value"]
        ok = v in shown[d].get(f["id"], []) or (f["id"], f.get("cohort"), d, v) in SUB_SHOWN
        out.append(f if ok else hidden(f))
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
    out += consortium_subgroups()
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

# An organisation's own report: its figures and its subgroups (section 9,
# over its own carers) in full, beside the
# consortium's figures and subgroups suppressed as in the consortium's
# report (no other organisation's figures).
def own_report(org):
    return [f for f in consortium_report() if f["scope"] == "consortium"] + scope_figures(org) + subgroup_figures(org)

write("expected-figures.json", consortium_report())
write("expected-figures-ORG-A.json", own_report("ORG-A"))
