package graph

import (
	"testing"
	"unicode/utf8"

	"github.com/cilegon/jamsostek/graph/internal/model"
)

func TestScopeNarrow(t *testing.T) {
	tests := []struct {
		scope, code, want string
		ok                bool
	}{
		{"", "", "", true},
		{"", "367208", "367208", true},
		{"367201", "", "367201", true},                   // empty: the scope
		{"367201", "3672", "367201", true},               // broader: the scope
		{"367201", "367201", "367201", true},             // the same
		{"367201", "3672011001", "3672011001", true},     // narrower: kept
		{"367201", "367208", "", false},                  // disjoint
		{"367201", "3672081007", "", false},              // a kelurahan of another kecamatan
		{"3672011001", "367201", "3672011001", true},     // a kelurahan's officer asking its kecamatan
		{"3672011001", "3672011002", "", false},          // a neighbouring kelurahan
		{"367201", "36720", "367201", true},              // a prefix is broader (checkArea refuses it before)
		{"3672011001", "3672011001", "3672011001", true}, // the same kelurahan
	}
	for _, tc := range tests {
		got, ok := scope{area: tc.scope}.narrow(tc.code)
		if got != tc.want || ok != tc.ok {
			t.Errorf("scope %q, code %q: got %q %t, want %q %t", tc.scope, tc.code, got, ok, tc.want, tc.ok)
		}
	}
	s := scope{area: "367201"}
	for code, want := range map[string]bool{"3672011001": true, "367201": true, "367208": false, "3672": false, "": false} {
		if s.contains(code) != want {
			t.Errorf("contains(%q): got %t", code, !want)
		}
	}
}

func TestMasking(t *testing.T) {
	for in, want := range map[string]string{
		"3672011205900001": "3672********0001",
		"123":              "****************",
		"":                 "****************",
		"367€1205900001":   "****************", // 16 bytes: the first four would cut the euro sign
		"36720112059€01":   "****************", // and so would the last four
		"3672ÄÄÄÄ12590001": "****************", // 16 characters, 20 bytes
		"367201120590000x": "****************",
	} {
		if got := maskNIK(in); got != want || !utf8.ValidString(got) {
			t.Errorf("maskNIK(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"Budi Santoso":          "B. S.",
		"  siti   nur'aini ":    "S. N.",
		"H. Ahmad Fauzi, S.Pd.": "H. A. F. S.",
		"Ölaf (alm)":            "Ö. A.",
		"-":                     "",
		"":                      "",
	} {
		if got := initials(in); got != want {
			t.Errorf("initials(%q) = %q, want %q", in, got, want)
		}
	}

	// Every role against one field of each kind.
	nik, name := "3672011205900001", "Budi Santoso"
	pnik := PersonalField{Type: "Discrepancy", Field: "nik"}
	if v, masked, err := protect(RoleAnalyst, pnik, &nik); err != nil || !masked || *v.(*string) != "3672********0001" {
		t.Errorf("analyst, *string NIK: got %v %t %v", v, masked, err)
	}
	if v, _, err := protect(RoleAnalyst, PersonalField{Type: "RosterEntry", Field: "name"}, name); err != nil || v != "B. S." {
		t.Errorf("analyst, name: got %v %v", v, err)
	}
	info := &model.NikInfo{Valid: false, Reason: &name}
	if v, _, err := protect(RoleAnalyst, PersonalField{Type: "Participant", Field: "nikInfo"}, info); err != nil || v.(*model.NikInfo).Reason != nil {
		t.Errorf("analyst, nikInfo: got %+v %v", v, err)
	}
	for _, role := range []Role{RoleAnalyst, RoleViewer, ""} {
		if _, _, err := protect(role, PersonalField{Type: "QuarantinedRecord", Field: "raw"}, "{}"); err == nil {
			t.Errorf("%q sees a raw record", role)
		}
	}
	if _, _, err := protect(RoleAnalyst, PersonalField{Type: "Participant", Field: "somethingNew"}, "x"); err == nil {
		t.Error("a marked field without an analyst's view is shown")
	}
	for _, role := range []Role{RoleViewer, ""} {
		if _, _, err := protect(role, pnik, &nik); err == nil {
			t.Errorf("%q sees a NIK", role)
		}
	}
	for _, role := range []Role{RoleOfficer, RoleAdmin} {
		if v, masked, err := protect(role, pnik, &nik); err != nil || masked || *v.(*string) != nik {
			t.Errorf("%s: got %v %t %v, want the NIK as stored", role, v, masked, err)
		}
	}
}
