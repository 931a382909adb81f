-- Outcomes deduplicated (metrics.md section 0: the same carer, outcome and date is one outcome wherever it appears), each with whether it is a hard outcome and whether it is a job start or a job kept.
SELECT DISTINCT o.org, o.carer_id, o.outcome, o.outcome_date, c.hard, c.job
FROM outcomes AS o
JOIN outcome_codes AS c ON c.code = o.outcome
