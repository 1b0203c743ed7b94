package rosterfile

import (
	"io"
	"strconv"
	"time"

	"github.com/cilegon/jamsostek/coverage"
)

// People is what a list of people holds (ReadPeople): the valid rows, and
// the rejected ones by row number and reason. Neither a reason nor anything
// else in it but Rows quotes a NIK.
type People struct {
	// Rows are the valid rows in file order, each NIK once.
	Rows []coverage.ScenarioRosterRow
	// Rejected counts the rows left out.
	Rejected int
	// Problems are the first MaxPeopleProblems rejected rows: "row N: reason".
	Problems []string
	// Read is the number of data rows read: non-empty rows after the header.
	Read int
}

// MaxPeopleProblems is the number of rejected rows People describes.
const MaxPeopleProblems = coverage.MaxScenarioProblems

type peopleBuilder struct {
	res  People
	seen map[string]int // NIK -> its first valid row
}

// ReadPeople reads a list of people: a .csv or .xlsx file in the roster
// format (the same readers, limits and header matching), of which only the
// columns nik and kelurahan_code (or kode_kelurahan) are required and read;
// other columns are ignored. Each row is checked as the roster feed checks
// those two fields (the NIK's shape), and the kelurahan must be one of the
// city's (the feed also keeps a domicile outside the city); a
// repeated NIK is rejected as a duplicate of its first row. Errors are those
// of Read.
func ReadPeople(r io.Reader, name string, areas *coverage.Areas) (*People, error) {
	if areas == nil {
		return nil, coverage.Errorf(coverage.EINTERNAL, "rosterfile: no areas")
	}
	b := newBuilder(areas, time.Now())
	b.people = &peopleBuilder{seen: map[string]int{}}
	if err := b.read(r, name); err != nil {
		return nil, err
	}
	b.people.res.Read = b.res.Rows
	return &b.people.res, nil
}

// person reads one row of a list of people.
func (b *builder) person(num int, vals, bad [nFields]string) {
	p := b.people
	e := coverage.RosterEntry{NIK: vals[fNIK], KelurahanCode: vals[fKelurahan]}
	// A problem names the row and the column, never the cell: a shifted
	// column puts a NIK or a name where a code was expected, and the
	// problems are shown apart from the audited rows.
	reason := ""
	for _, f := range []int{fNIK, fKelurahan} {
		switch {
		case reason != "":
		case bad[f] != "":
			reason = bad[f] // the readers' own problems quote no cell (a number NIK, a cell too long)
		case b.check(f, e, bad) != "":
			reason = map[int]string{fNIK: "nik is not a valid NIK (16 digits: area, birth date, serial)",
				fKelurahan: "kelurahan_code is not a 10-digit kelurahan code"}[f]
		}
	}
	if reason == "" {
		// The feed keeps a domicile outside the city (and reports it); a
		// scenario funds the city's people, counted per kecamatan.
		if b.areas.CheckKelurahan(e.KelurahanCode) != nil {
			reason = "kelurahan_code is not a kelurahan of " + b.areas.City().Name
		}
	}
	if reason == "" {
		if first, ok := p.seen[e.NIK]; ok {
			reason = "duplicate of row " + strconv.Itoa(first) + ": the same nik; the first row is kept"
		}
	}
	if reason != "" {
		p.res.Rejected++
		if len(p.res.Problems) < MaxPeopleProblems {
			p.res.Problems = append(p.res.Problems, "row "+strconv.Itoa(num)+": "+reason)
		}
		return
	}
	p.seen[e.NIK] = num
	p.res.Rows = append(p.res.Rows, coverage.ScenarioRosterRow{NIK: e.NIK, Kelurahan: e.KelurahanCode})
}
