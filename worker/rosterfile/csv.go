package rosterfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/cilegon/jamsostek/coverage"
)

// maxHeaderLine bounds how far the header line is looked at to choose the
// separator.
const maxHeaderLine = 64 << 10

// readCSV reads a CSV roster into b.
func readCSV(r io.Reader, b *builder) error {
	br := bufio.NewReaderSize(r, maxHeaderLine)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	head, err := br.Peek(maxHeaderLine)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return coverage.Errorf(coverage.EINVALID, "the file cannot be read: %v", err)
	}
	if !utf8.Valid(firstLine(head)) {
		return coverage.Errorf(coverage.EINVALID, "the header (row 1) is not UTF-8 text; save the file as CSV UTF-8")
	}
	cr := csv.NewReader(br)
	cr.Comma = separator(head)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return coverage.Errorf(coverage.EINVALID, "the file is not valid CSV at line %d: %v", pe.StartLine, pe.Err)
			}
			return coverage.Errorf(coverage.EINVALID, "the file cannot be read: %v", err)
		}
		line, _ := cr.FieldPos(0)
		if !b.sawHeader {
			if line != 1 {
				return coverage.Errorf(coverage.EINVALID, "row 1 is empty: it must be a header naming the columns %s", b.columnList())
			}
			if err := b.header(rec); err != nil {
				return err
			}
			continue
		}
		if err := b.row(line, rec); err != nil {
			return err
		}
	}
}

// firstLine returns data up to its first line break.
func firstLine(data []byte) []byte {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		return data[:i]
	}
	return data
}

// separator chooses ';' or ',' by which occurs more often in the header line,
// outside quotes; ',' on a tie.
func separator(data []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n' || c == '\r':
			if semis > commas {
				return ';'
			}
			return ','
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}
