# Writes the fixture consortium's returns (returns/<ORG>/<YYYY-Qn>/<kind>.csv)
# and returns/manifest.json, the way the organisations send them: every
# column of the data standard, ORG-A with codes and ISO dates, ORG-B with
# labels, day-first dates and pounds with £ and commas. The rows are those
# of WORKING.md; run it from testdata/report/ after changing them. It never
# runs the Go code.
import csv, json, os

A, B = "ORG-A", "ORG-B"
CARERS = ["client_ref", "registration_date", "date_of_birth", "gender", "ethnicity", "postcode", "local_authority",
          "caring_hours_per_week", "cared_for_condition", "relationship", "limiting_illness", "financial_difficulty",
          "employment_status", "personal_budget", "referral_source", "consent_followup"]
SUPPORT = ["client_ref", "date", "activity", "mode", "minutes", "outside_office_hours"]
OUTCOMES = ["client_ref", "outcome_date", "outcome", "hours_per_week", "employer_size", "evidence"]
FOLLOWUPS = ["client_ref", "survey_date", "wave", "employment_status", "hours_per_week", "confidence", "it_skills"] + \
            ["swemwbs_%d" % i for i in range(1, 8)] + ["times_suited", "staff_understood", "heard_via", "response_mode"]
FINANCE = ["delivery_cost_gbp", "staff_fte", "volunteer_hours", "outreach_sessions", "funding_local_authority_gbp",
           "funding_nhs_gbp", "funding_trusts_gbp", "funding_lottery_gbp", "funding_other_gbp", "funding_secured_until"]

LEEDS = "E08000035"
def carer(ref, reg, dob, gender, la, cond, limiting, emp, budget, referral, consent, postcode="LS6 2AB"):
    return [ref, reg, dob, gender, "", postcode, la, "35", cond, "PARENT", limiting, "N", emp, budget, referral, consent]
def swemwbs(total):
    # seven items of 1-5 summing to total (the raw SWEMWBS score)
    items, rest = [1] * 7, total - 7
    for i in range(7):
        add = min(4, rest); items[i] += add; rest -= add
    assert rest == 0
    return [str(x) for x in items]
def fu(ref, date, wave, emp, conf="", it="", total=None, ts="", su=""):
    items = swemwbs(total) if total else [""] * 7
    return [ref, date, wave, emp, "", str(conf), str(it)] + items + [ts, su, "", "ONLINE"]
def fin(cost, until):
    return [cost, "2.5", "120", "3", "", "", "", "", "", until]

returns = {
    (A, "2024-Q3"): {"carers": [
        carer("E1", "2024-09-01", "1975-03-01", "F", LEEDS, "DEMENTIA", "", "UNEMPLOYED", "", "GP", "Y"),
    ]},
    (A, "2024-Q4"): {"outcomes": [
        ["E1", "2024-10-01", "STARTED_SELF_EMPLOYMENT", "20", "MICRO", "DOCUMENT"],
    ]},
    (A, "2025-Q2"): {
        "carers": [
            carer("S01", "2025-04-10", "1995-01-15", "F", LEEDS, "DEMENTIA", "Y", "UNEMPLOYED", "CARER", "GP", "Y"),
            carer("S02", "2025-04-15", "1975-05-01", "F", LEEDS, "DEMENTIA", "Y", "EMPLOYED_PT", "NONE", "GP", "Y"),
            carer("S03", "2025-04-20", "1970-08-01", "F", LEEDS, "DEMENTIA", "N", "UNEMPLOYED", "CARER", "OUTREACH", "N"),
            carer("S04", "2025-05-01", "1972-01-01", "F", LEEDS, "DEMENTIA", "N", "INACTIVE_CARING", "NONE", "GP", "Y"),
            carer("S05", "2025-05-05", "", "F", LEEDS, "DEMENTIA", "N", "U", "NONE", "GP", "Y"),
            carer("S06", "2025-05-10", "1972-01-01", "F", LEEDS, "DEMENTIA", "N", "UNEMPLOYED", "NONE", "GP", "Y"),
            carer("S07", "2025-05-20", "1972-01-01", "F", LEEDS, "MENTAL_HEALTH", "N", "U", "CARER", "GP", "Y"),
            carer("S08", "2025-06-01", "1972-01-01", "F", LEEDS, "MENTAL_HEALTH", "N", "UNEMPLOYED", "BOTH", "GP", "Y"),
            carer("S09", "2025-06-10", "1972-01-01", "F", LEEDS, "MENTAL_HEALTH", "N", "UNEMPLOYED", "U", "GP", "Y"),
            carer("S10", "2025-06-30", "1972-01-01", "F", LEEDS, "MENTAL_HEALTH", "N", "UNEMPLOYED", "NONE", "GP", "Y"),
        ],
        "support": [["S02", "2025-06-30", "JOB_SEARCH", "IN_PERSON", "60", "N"]],
        "outcomes": [
            ["S02", "2025-04-20", "STAYED_IN_WORK", "16", "SMALL", "EMPLOYER"],
            ["S01", "2025-05-01", "STARTED_WORK", "35", "LARGE", "DOCUMENT"],
        ],
        "followups": [
            fu("S01", "2025-04-10", "BASELINE", "UNEMPLOYED", 2, 1, 12),
            fu("S02", "2025-04-15", "BASELINE", "EMPLOYED_PT", 1, 5, 7),
            fu("S03", "2025-04-20", "BASELINE", "UNEMPLOYED", 1, 3, 10),
            fu("S04", "2025-05-01", "BASELINE", "INACTIVE_CARING", 2, 2, 22),
            fu("S05", "2025-05-05", "BASELINE", "U", 3, 1, 16),
            fu("S06", "2025-05-10", "BASELINE", "UNEMPLOYED", 4, 3, 23),
            fu("S07", "2025-05-20", "BASELINE", "U", 2, 2, 15),
            fu("S08", "2025-06-01", "BASELINE", "UNEMPLOYED", 1, 4, 11),
            fu("S09", "2025-06-10", "BASELINE", "UNEMPLOYED", 3, 2, 20),
            fu("S10", "2025-06-30", "BASELINE", "UNEMPLOYED", 2, 3, 19),
            fu("E1", "2025-04-03", "W26", "SELF_EMPLOYED", ts="N", su="N"),
        ],
        "finance": [fin("9000", "2026-03-31")],
    },
    (A, "2025-Q3"): {
        "carers": [carer("S11", "2025-08-01", "1972-01-01", "F", "", "MENTAL_HEALTH", "N", "UNEMPLOYED", "NONE", "GP", "Y", postcode="")],
        "support": [
            ["S11", "2025-08-01", "CV_WRITING", "IN_PERSON", "45", "Y"],
            ["S01", "2025-07-01", "IT_SKILLS", "ONLINE", "30", "N"],
        ],
        "outcomes": [
            ["S03", "2025-09-01", "STARTED_TRAINING", "", "", "SELF_REPORT"],
            ["S11", "2025-09-15", "STARTED_WORK", "30", "MEDIUM", "EMPLOYER"],
            ["S06", "2025-09-20", "JOB_INTERVIEW", "", "", ""],
        ],
        "followups": [fu("S02", "2025-04-15", "BASELINE", "EMPLOYED_PT", 3, 2, 18)],
        "finance": [fin("10000", "2026-03-31")],
    },
    (A, "2025-Q4"): {
        # S03 again: a later registration date (the earliest stands), consent
        # now Y, and a date of birth that puts them in an older band at this
        # row's registration date than at the earliest.
        "carers": [carer("S03", "2025-10-15", "1970-08-01", "F", LEEDS, "DEMENTIA", "N", "UNEMPLOYED", "CARER", "OUTREACH", "Y")],
        "outcomes": [["S04", "2025-12-01", "STARTED_WORK", "30", "SMALL", "EMPLOYER"]],
        "followups": [
            fu("S01", "2025-10-28", "W26", "EMPLOYED_FT", 3, 2, 18, "N", "Y"),
            fu("S02", "2025-10-20", "W26", "EMPLOYED_PT", 5, 5, 35, "Y", "Y"),
            fu("S03", "2025-10-25", "W26", "TRAINING", 4, 4, 14, "Y", "Y"),
            fu("S05", "2025-11-05", "W26", "UNEMPLOYED", 1, 5, 7, "N", "N"),
            fu("S05", "2025-11-20", "W13", "UNEMPLOYED", 5, 2, 23, "Y", ""),
            fu("S06", "2025-11-10", "W26", "UNEMPLOYED", 3, 3, 23, "U", "U"),
            fu("S07", "2025-11-25", "W26", "UNEMPLOYED", 3, 3, 20, "Y", "Y"),
            fu("S08", "2025-12-05", "W26", "UNEMPLOYED", 2, 5, 17, "", ""),
            fu("S09", "2025-12-12", "W26", "UNEMPLOYED", 4, 1, 24, "Y", "N"),
            fu("S11", "2025-12-20", "W13", "EMPLOYED_FT", 5, 5, 35, "Y", "Y"),
            fu("E1", "2025-10-01", "W52", "SELF_EMPLOYED", ts="Y", su="Y"),
        ],
        "finance": [fin("12000", "2026-12-31")],
    },
    (A, "2026-Q1"): {
        "support": [
            ["S03", "2026-01-10", "ONE_TO_ONE_ADVICE", "PHONE", "20", "N"],
            ["S03", "2026-02-10", "ONE_TO_ONE_ADVICE", "PHONE", "25", "N"],
        ],
        "outcomes": [["S04", "2025-12-01", "STARTED_WORK", "30", "SMALL", "EMPLOYER"]],
        "followups": [fu("S10", "2026-01-02", "W26", "UNEMPLOYED", 4, "", 26, "N", "Y")],
        "finance": [fin("11000", "2026-12-31")],
    },
    (A, "2026-Q2"): {
        "carers": [
            carer("N1", "2026-04-05", "1996-01-01", "F", LEEDS, "DEMENTIA", "N", "UNEMPLOYED", "NONE", "GP", "Y"),
            carer("N2", "2026-05-01", "1996-01-01", "F", LEEDS, "DEMENTIA", "N", "UNEMPLOYED", "NONE", "OWN_MARKETING", "Y"),
            carer("N3", "2026-06-30", "1996-01-01", "F", LEEDS, "DEMENTIA", "N", "UNEMPLOYED", "NONE", "", "Y"),
        ],
        "support": [
            ["N1", "2026-04-10", "CV_WRITING", "IN_PERSON", "60", "Y"],
            ["S03", "2026-04-15", "IT_SKILLS", "ONLINE", "90", "N"],
            ["S01", "2026-05-01", "JOB_SEARCH", "ONLINE", "", "U"],
            ["N2", "2026-05-05", "CONFIDENCE_BUILDING", "IN_PERSON", "120", "Y"],
        ],
        "outcomes": [
            ["S07", "2026-06-01", "STARTED_EDUCATION", "", "", "DOCUMENT"],
            ["S10", "2026-06-29", "STARTED_EDUCATION", "", "", "DOCUMENT"],
        ],
        "followups": [
            fu("S01", "2026-05-02", "W52", "EMPLOYED_FT", 4, 3, 21, "Y", "U"),
            fu("S02", "2026-04-25", "W52", "UNEMPLOYED", 3, 2, 19, "", "N"),
            fu("S04", "2026-05-30", "W26", "EMPLOYED_FT", 3, 4, 21, "N", "Y"),
        ],
        "finance": [fin("13000", "2027-03-31")],
    },
    (A, "2026-Q3"): {
        "support": [["N1", "2026-07-01", "JOB_SEARCH", "PHONE", "30", "N"]],
        "outcomes": [["S06", "2026-07-05", "STARTED_WORK", "25", "MICRO", "SELF_REPORT"]],
        "followups": [fu("S06", "2026-07-10", "W52", "UNEMPLOYED", 1, 1, 7, "N", "N")],
        "finance": [fin("14000", "2028-01-01")],
    },
    # ORG-B writes labels, day-first dates and pounds with £ and commas.
    (B, "2025-Q3"): {"finance": [fin("£5,000.00", "30/09/2026")]},
    (B, "2025-Q4"): {"finance": [fin("£5,000", "30/09/2026")]},
    # no 2026-Q1 return: section 7 leaves ORG-B out of the costs
    (B, "2026-Q2"): {
        "carers": [
            ["B1", "10/05/2026", "01/01/1996", "Male", "", "BD1 1AA", "E06000014", "20", "Dementia", "PARENT", "No", "No",
             "Unemployed and looking for work", "NONE", "Social media", "Yes"],
            ["B2", "02/04/2026", "01/01/1996", "Female", "", "BD1 1AA", "E06000014", "20", "Dementia", "PARENT", "No", "No",
             "Unemployed and looking for work", "NONE", "Hospital", "No"],
        ],
        "support": [
            ["B2", "02/04/2026", "ONE_TO_ONE_ADVICE", "PHONE", "40", ""],
            ["B1", "11/05/2026", "IT_SKILLS", "ONLINE", "50", "No"],
        ],
        "outcomes": [["B2", "15/05/2026", "STARTED_WORK", "25", "SMALL", "EMPLOYER"]],
        "followups": [fu("B1", "01/06/2026", "W13", "UNEMPLOYED", ts="No", su="No")],
        "finance": [fin("£5,000.00", "29/12/2026")],
    },
}
HEADERS = {"carers": CARERS, "support": SUPPORT, "outcomes": OUTCOMES, "followups": FOLLOWUPS, "finance": FINANCE}
SUBMITTED = {"Q1": "-04-14", "Q2": "-07-14", "Q3": "-10-14", "Q4": "-01-14"}

manifest = {"returns": []}
for (org, period), tables in returns.items():
    year, q = period.split("-")
    submitted = (str(int(year) + 1) if q == "Q4" else year) + SUBMITTED[q]
    files = []
    for kind in ["carers", "support", "outcomes", "followups", "finance"]:
        if kind not in tables:
            continue
        rel = "%s/%s/%s.csv" % (org, period, kind)
        path = os.path.join("returns", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(HEADERS[kind])
            for row in tables[kind]:
                assert len(row) == len(HEADERS[kind]), (org, period, kind, row)
                w.writerow(row)
        files.append(rel)
    manifest["returns"].append({"org": org, "period": period, "files": files, "submitted": submitted})
with open("returns/manifest.json", "w") as f:
    json.dump(manifest, f, indent=1)
    f.write("\n")
