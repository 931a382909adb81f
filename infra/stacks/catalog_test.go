package stacks_test

import (
	"testing"

	"github.com/carer-outcomes/carer-outcomes/infra/stacks"
)

func TestCatalog_Workgroup(t *testing.T) {
	cat := stack(t, "Catalog")
	wgs := cat.ofType("AWS::Athena::WorkGroup")
	if len(wgs) != 1 {
		t.Fatalf("%d workgroups", len(wgs))
	}
	for _, w := range wgs {
		c := get(w.Properties, "WorkGroupConfiguration")
		if get(c, "EnforceWorkGroupConfiguration") != true {
			t.Error("the workgroup's settings are not enforced: a query could write its results anywhere, unencrypted")
		}
		if get(c, "BytesScannedCutoffPerQuery") != float64(stacks.BytesScannedLimit) {
			t.Errorf("per-query scan limit %v, want %d", get(c, "BytesScannedCutoffPerQuery"), stacks.BytesScannedLimit)
		}
		rc := get(c, "ResultConfiguration")
		if get(rc, "EncryptionConfiguration", "EncryptionOption") != "SSE_KMS" || cat.render(get(rc, "EncryptionConfiguration", "KmsKey")) != "${Data/Key.Arn}" {
			t.Errorf("results encryption %v", cat.render(get(rc, "EncryptionConfiguration")))
		}
		if cat.render(get(rc, "OutputLocation")) != "s3://${Data/AthenaResults}/results/" {
			t.Errorf("results go to %v", cat.render(get(rc, "OutputLocation")))
		}
	}
}
