package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// A rollup chunk's cells in binary (chunkDoc.Bin, format binFormat): a
// serve start reads the whole city's rollup (about 90,000 cells) in a few
// hundred milliseconds instead of decoding millions of document fields.
//
//	uvarint  number of strings; each: uvarint length, bytes
//	uvarint  number of cells; each:
//	         7 x uvarint   the key's fields as string indexes (Period,
//	                       Kelurahan, Category, Payer, Segment, Gender, AgeBand)
//	         uvarint       mask: bit i set when measure i is not zero
//	         varint        each measure whose bit is set, in order
//
// The measures, in order, are those of cellMeasures. Chunks written before
// this format carry the cells as documents (chunkDoc.Cells) and are still
// read.
const (
	binFormat = 1
	binCells  = 25000 // cells per binary chunk: about 1 MB, far below a document's 16 MiB
)

// cellMeasures lists a cell's measures, each once, in their binary order.
// A measure added to reconcile.Measures must be added here (at the end);
// TestRollupBinaryEveryMeasure fails until it is.
func cellMeasures(m *reconcile.Measures) [35]*int64 {
	c := &m.Claims
	return [35]*int64{&m.Active, &m.People, &m.New, &m.Lapsed, &m.Billed, &m.DueAmount, &m.PaidCount, &m.PaidAmount,
		&m.UnpaidOverdue, &m.Arrears, &m.Funded, &m.FundedEnrolled, &m.FundedFirstYear, &m.FundedMonthlyDue, &m.FundedNextYearDue,
		&c[0].SubmittedCount, &c[0].SubmittedAmount, &c[0].PaidCount, &c[0].PaidAmount,
		&c[1].SubmittedCount, &c[1].SubmittedAmount, &c[1].PaidCount, &c[1].PaidAmount,
		&c[2].SubmittedCount, &c[2].SubmittedAmount, &c[2].PaidCount, &c[2].PaidAmount,
		&c[3].SubmittedCount, &c[3].SubmittedAmount, &c[3].PaidCount, &c[3].PaidAmount,
		&c[4].SubmittedCount, &c[4].SubmittedAmount, &c[4].PaidCount, &c[4].PaidAmount}
}

// keyStrings are a key's fields in their binary order.
func keyStrings(k *reconcile.Key) [7]string {
	return [7]string{string(k.Period), k.Kelurahan, string(k.Category), string(k.Payer), string(k.Segment), string(k.Gender), string(k.AgeBand)}
}

// encodeCells writes cells in the binary format.
func encodeCells(cells []reconcile.Cell) []byte {
	index := map[string]uint64{}
	var strs []string
	for i := range cells {
		for _, s := range keyStrings(&cells[i].Key) {
			if _, ok := index[s]; !ok {
				index[s] = uint64(len(strs))
				strs = append(strs, s)
			}
		}
	}
	b := binary.AppendUvarint(nil, uint64(len(strs)))
	for _, s := range strs {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(cells)))
	for i := range cells {
		c := &cells[i]
		for _, s := range keyStrings(&c.Key) {
			b = binary.AppendUvarint(b, index[s])
		}
		ms := cellMeasures(&c.Measures)
		var mask uint64
		for j, p := range ms {
			if *p != 0 {
				mask |= 1 << j
			}
		}
		b = binary.AppendUvarint(b, mask)
		for _, p := range ms {
			if *p != 0 {
				b = binary.AppendVarint(b, *p)
			}
		}
	}
	return b
}

var errBadCells = errors.New("malformed binary cells")

// decodeCells appends the cells of b to dst.
func decodeCells(b []byte, dst []reconcile.Cell) ([]reconcile.Cell, error) {
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, errBadCells
		}
		b = b[n:]
		return v, nil
	}
	ns, err := uv()
	if err != nil || ns > uint64(len(b)) {
		return dst, errBadCells
	}
	strs := make([]string, ns)
	for i := range strs {
		l, err := uv()
		if err != nil || l > uint64(len(b)) {
			return dst, errBadCells
		}
		strs[i], b = string(b[:l]), b[l:]
	}
	nc, err := uv()
	if err != nil || nc > uint64(len(b))/8 { // a cell takes 8 bytes at least: 7 key indexes and a mask
		return dst, errBadCells
	}
	dst = growCells(dst, int(nc))
	for range nc {
		var k [7]string
		for j := range k {
			x, err := uv()
			if err != nil || x >= ns {
				return dst, errBadCells
			}
			k[j] = strs[x]
		}
		c := reconcile.Cell{Key: reconcile.Key{Period: coverage.Period(k[0]), Kelurahan: k[1], Category: coverage.Category(k[2]),
			Payer: coverage.PayerType(k[3]), Segment: coverage.Segment(k[4]), Gender: coverage.Gender(k[5]), AgeBand: reconcile.AgeBand(k[6])}}
		mask, err := uv()
		if err != nil {
			return dst, errBadCells
		}
		ms := cellMeasures(&c.Measures)
		if mask>>len(ms) != 0 {
			return dst, fmt.Errorf("%w: measure %d unknown (written by a newer version?)", errBadCells, len(ms))
		}
		for j, p := range ms {
			if mask&(1<<j) == 0 {
				continue
			}
			v, n := binary.Varint(b)
			if n <= 0 {
				return dst, errBadCells
			}
			*p, b = v, b[n:]
		}
		dst = append(dst, c)
	}
	if len(b) != 0 {
		return dst, fmt.Errorf("%w: %d bytes after the last cell", errBadCells, len(b))
	}
	return dst, nil
}

// growCells makes room for n more cells.
func growCells(dst []reconcile.Cell, n int) []reconcile.Cell {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	out := make([]reconcile.Cell, len(dst), len(dst)+n)
	copy(out, dst)
	return out
}
