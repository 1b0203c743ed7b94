package coverage

import (
	"fmt"
	"sort"
	"strings"
)

// AreaLevel is the level of an area in the administrative hierarchy.
type AreaLevel string

const (
	LevelCity      AreaLevel = "CITY"      // kota or kabupaten, 4 digits
	LevelKecamatan AreaLevel = "KECAMATAN" // district, 6 digits
	LevelKelurahan AreaLevel = "KELURAHAN" // urban village (or desa), 10 digits
)

// Area is one administrative area with its Kemendagri code (digits only, no dots).
type Area struct {
	Code   string
	Name   string
	Level  AreaLevel
	Parent string // code of the enclosing area, "" for the city
}

// Areas is the area hierarchy of one city or regency: the city, its kecamatan and
// their kelurahan. It is read-only after construction and safe for concurrent use.
type Areas struct {
	city      Area
	byCode    map[string]Area
	kecamatan []Area
	children  map[string][]Area
}

// AreaLevelOf returns the level a code's length implies: 4, 6 or 10 digits.
func AreaLevelOf(code string) (AreaLevel, error) {
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", Errorf(EINVALID, "area code %q must be digits only", Clip(code))
		}
	}
	switch len(code) {
	case 4:
		return LevelCity, nil
	case 6:
		return LevelKecamatan, nil
	case 10:
		return LevelKelurahan, nil
	}
	return "", Errorf(EINVALID, "area code %q must have 4, 6 or 10 digits", Clip(code))
}

// NewAreas builds a hierarchy from a city and its kelurahan. Kecamatan are given
// with their kelurahan names in code order: kelurahan codes are the kecamatan code
// followed by 1001, 1002, ... (the Kemendagri numbering for kelurahan).
func NewAreas(cityCode, cityName string, kecamatan []KecamatanSpec) (*Areas, error) {
	a := &Areas{
		city:     Area{Code: cityCode, Name: cityName, Level: LevelCity},
		byCode:   map[string]Area{},
		children: map[string][]Area{},
	}
	a.byCode[cityCode] = a.city
	for _, k := range kecamatan {
		if len(k.Code) != 6 || !strings.HasPrefix(k.Code, cityCode) {
			return nil, Errorf(EINVALID, "kecamatan code %q is not under city %s", k.Code, cityCode)
		}
		ka := Area{Code: k.Code, Name: k.Name, Level: LevelKecamatan, Parent: cityCode}
		a.byCode[k.Code] = ka
		a.kecamatan = append(a.kecamatan, ka)
		a.children[cityCode] = append(a.children[cityCode], ka)
		for i, name := range k.Kelurahan {
			code := fmt.Sprintf("%s%04d", k.Code, 1001+i)
			kl := Area{Code: code, Name: name, Level: LevelKelurahan, Parent: k.Code}
			a.byCode[code] = kl
			a.children[k.Code] = append(a.children[k.Code], kl)
		}
	}
	sort.Slice(a.kecamatan, func(i, j int) bool { return a.kecamatan[i].Code < a.kecamatan[j].Code })
	return a, nil
}

// KecamatanSpec names a kecamatan and its kelurahan in code order.
type KecamatanSpec struct {
	Code      string
	Name      string
	Kelurahan []string
}

// City returns the city itself.
func (a *Areas) City() Area { return a.city }

// Lookup returns the area with the code.
func (a *Areas) Lookup(code string) (Area, bool) {
	ar, ok := a.byCode[code]
	return ar, ok
}

// Kecamatan returns the kecamatan in code order.
func (a *Areas) Kecamatan() []Area { return a.kecamatan }

// Children returns the areas directly under code, in code order.
func (a *Areas) Children(code string) []Area { return a.children[code] }

// Kelurahan returns every kelurahan of the city in code order.
func (a *Areas) Kelurahan() []Area {
	var out []Area
	for _, k := range a.kecamatan {
		out = append(out, a.children[k.Code]...)
	}
	return out
}

// CheckKelurahan returns an EINVALID error unless code is a kelurahan of this city.
func (a *Areas) CheckKelurahan(code string) error {
	ar, ok := a.byCode[code]
	if !ok || ar.Level != LevelKelurahan {
		return Errorf(EINVALID, "kelurahan code %q is not a kelurahan of %s", Clip(code), a.city.Name)
	}
	return nil
}

// CheckArea returns an EINVALID error unless code is this city or one of its areas.
func (a *Areas) CheckArea(code string) error {
	if _, ok := a.byCode[code]; !ok {
		return Errorf(EINVALID, "area code %q is not an area of %s", Clip(code), a.city.Name)
	}
	return nil
}

// Cilegon returns the areas of Kota Cilegon (code 36.72): 8 kecamatan and 43
// kelurahan, as listed in Kepmendagri 2025.
func Cilegon() *Areas {
	a, err := NewAreas("3672", "Kota Cilegon", []KecamatanSpec{
		{"367201", "Cibeber", []string{"Cibeber", "Kedaleman", "Bulakan", "Cikerai", "Karang Asem", "Kalitimbang"}},
		{"367202", "Cilegon", []string{"Bagendung", "Ciwedus", "Bendungan", "Ketileng", "Ciwaduk"}},
		{"367203", "Pulomerak", []string{"Tamansari", "Lebakgede", "Mekarsari", "Suralaya"}},
		{"367204", "Ciwandan", []string{"Banjar Negara", "Tegal Ratu", "Kubangsari", "Gunung Sugih", "Kepuh", "Randakari"}},
		{"367205", "Jombang", []string{"Sukmajaya", "Jombang Wetan", "Masigit", "Panggung Rawi", "Gedong Dalem"}},
		{"367206", "Grogol", []string{"Kotasari", "Grogol", "Rawa Arum", "Gerem"}},
		{"367207", "Purwakarta", []string{"Ramanuju", "Kotabumi", "Kebon Dalem", "Purwakarta", "Tegal Bunder", "Pabean"}},
		{"367208", "Citangkil", []string{"Warnasari", "Dringo", "Lebak Denok", "Taman Baru", "Kebonsari", "Samangraya", "Citangkil"}},
	})
	if err != nil {
		panic(err) // the table above is a constant
	}
	return a
}
