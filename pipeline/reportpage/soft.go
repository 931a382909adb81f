package reportpage

import "github.com/carer-outcomes/carer-outcomes/pipeline/metrics"

// soft is metrics.md section 5: the change between the baseline survey and
// the latest later one.
func soft(fs *figureSet) (*section, error) {
	return simpleSection(fs, "soft-outcomes", "Soft outcomes", "Change between the baseline survey and the latest later survey",
		[]string{"Mean change per carer, later survey minus baseline, with its 95% interval; fewer than 10 pairs are not shown."},
		[]item{
			{metrics.SoftConfidenceChange, "Confidence, mean change"},
			{metrics.SoftITSkillsChange, "IT skills, mean change"},
			{metrics.SoftSWEMWBSChange, "Wellbeing (SWEMWBS metric score), mean change"},
			{metrics.SoftSWEMWBSImproved, "Wellbeing improved by 3 points or more"},
		}), nil
}
