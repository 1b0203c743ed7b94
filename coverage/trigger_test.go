package coverage

import "testing"

func TestTriggerKind(t *testing.T) {
	for trigger, want := range map[string]string{
		"api:Siti Rahmawati":        "api",
		"reconcileNow:siti@kota.id": "reconcileNow",
		"schedule":                  "schedule",
		"":                          "",
		"catch-up":                  "catch-up",
	} {
		if got := TriggerKind(trigger); got != want {
			t.Errorf("TriggerKind(%q) = %q, want %q", trigger, got, want)
		}
	}
}
