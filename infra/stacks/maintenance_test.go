package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/infra/stacks"
)

func TestMaintenance_ScheduleAndAlarm(t *testing.T) {
	m := stack(t, "Maintenance")
	scheds := m.ofType("AWS::Scheduler::Schedule")
	if len(scheds) != 1 {
		t.Fatalf("%d schedules", len(scheds))
	}
	for _, s := range scheds {
		p := s.Properties
		if p["ScheduleExpression"] != stacks.MaintenanceSchedule || p["ScheduleExpressionTimezone"] != cfg.Consortium.Reports.Timezone {
			t.Errorf("schedule %v %v", p["ScheduleExpression"], p["ScheduleExpressionTimezone"])
		}
		if m.render(get(p, "Target", "Arn")) != "${Maintenance/maintenance.Arn}" {
			t.Errorf("target %v", m.render(get(p, "Target", "Arn")))
		}
		var ev events.EventBridgeEvent
		input, _ := get(p, "Target", "Input").(string)
		if err := json.Unmarshal([]byte(strings.ReplaceAll(input, "<aws.scheduler.scheduled-time>", "2026-10-10T03:00:00Z")), &ev); err != nil || ev.Time.IsZero() {
			t.Errorf("input %s: %v", input, err)
		}
		if get(p, "Target", "RetryPolicy", "MaximumRetryAttempts") != 0.0 {
			t.Errorf("retries %v: a failed check is reported once", get(p, "Target", "RetryPolicy"))
		}
	}
	for _, c := range m.ofType("AWS::Lambda::EventInvokeConfig") {
		if c.Properties["MaximumRetryAttempts"] != 0.0 {
			t.Errorf("Lambda retries a failed run %v times: the check's failure is reported once", c.Properties["MaximumRetryAttempts"])
		}
	}
	alarms := m.ofType("AWS::CloudWatch::Alarm")
	if len(alarms) != 1 {
		t.Fatalf("%d alarms", len(alarms))
	}
	for _, a := range alarms {
		var dim string
		for _, d := range list(a.Properties["Dimensions"]) {
			dim = m.render(get(d, "Value"))
		}
		if a.Properties["MetricName"] != "Errors" || dim != "${Maintenance/maintenance}" || a.Properties["Threshold"] != 1.0 {
			t.Errorf("alarm on %v %v ≥ %v: want the maintenance function's errors (a failed check fails the run)", a.Properties["MetricName"], dim, a.Properties["Threshold"])
		}
		if m.render(a.Properties["AlarmActions"]) != "[${Ingest/Alarms}]" {
			t.Errorf("the alarm goes to %v", m.render(a.Properties["AlarmActions"]))
		}
	}
}
