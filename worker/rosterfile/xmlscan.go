package rosterfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner reads the XML of a workbook part one token at a time, in
// constant memory: it keeps at most maxText bytes of any text (the rest is
// counted, not kept) and maxAttr bytes of any attribute value, and refuses
// names, attribute lists and entity references past small bounds. It knows
// the XML that spreadsheet programs write: elements, attributes, character
// and the five predefined entity references, CDATA sections, comments and
// processing instructions. A document type declaration is refused (no entity
// of a DTD is ever expanded). It does not check that tags balance: the
// readers look for the elements they know and ignore the others.
type xmlScanner struct {
	r       *bufio.Reader
	maxText int
	maxAttr int

	kind      tokenKind
	name      []byte // local name of a start or end tag (the prefix removed)
	selfClose bool   // a start tag written <x/>: no end tag follows
	attrs     []xmlAttr
	attrBuf   []byte // the attributes' names and values, one after another
	attrLimit int    // where the value being read must stop in attrBuf
	text      []byte // a text token, decoded, at most maxText bytes
	textLen   int    // the text token's whole decoded length
	nameBuf   []byte
}

type tokenKind int

const (
	tokStart tokenKind = iota + 1
	tokEnd
	tokText
)

type xmlAttr struct {
	prefixed     bool // the name had a namespace prefix (r:id)
	nStart, nEnd int  // the local name in attrBuf
	start, end   int  // the value in attrBuf
}

const (
	maxXMLName  = 256 // bytes of an element or attribute name
	maxXMLAttrs = 64  // attributes of one element
	maxEntity   = 12  // bytes of an entity reference between & and ;
)

// errXML is a part that is not XML the scanner reads.
type errXML struct{ msg string }

func (e *errXML) Error() string { return e.msg }

func xmlErrorf(format string, args ...any) error { return &errXML{fmt.Sprintf(format, args...)} }

func newXMLScanner(r io.Reader, maxText, maxAttr int) *xmlScanner {
	return &xmlScanner{r: bufio.NewReaderSize(r, 64<<10), maxText: maxText, maxAttr: maxAttr}
}

// attr returns the value of the attribute of the current start tag with the
// given local name and, when prefixed is set, a namespace prefix; "" and
// false when there is none.
func (x *xmlScanner) attr(name string, prefixed bool) ([]byte, bool) {
	for _, a := range x.attrs {
		if a.prefixed == prefixed && string(x.attrBuf[a.nStart:a.nEnd]) == name {
			return x.attrBuf[a.start:a.end], true
		}
	}
	return nil, false
}

// next reads the next token; io.EOF at the end of the part.
func (x *xmlScanner) next() error {
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			return err
		}
		if c != '<' {
			if err := x.r.UnreadByte(); err != nil {
				return err
			}
			return x.readText()
		}
		c, err = x.r.ReadByte()
		if err != nil {
			return unexpectedEOF(err)
		}
		switch c {
		case '?':
			if err := x.skipUntil("?>"); err != nil {
				return err
			}
			continue
		case '!':
			done, err := x.readBang()
			if err != nil || done {
				return err
			}
			continue
		case '/':
			return x.readEndTag()
		default:
			if err := x.r.UnreadByte(); err != nil {
				return err
			}
			return x.readStartTag()
		}
	}
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return xmlErrorf("the XML ends inside a tag")
	}
	return err
}

// readBang reads what follows "<!": a comment (skipped), a CDATA section (a
// text token: done) or a document type declaration (refused).
func (x *xmlScanner) readBang() (done bool, err error) {
	peek, err := x.r.Peek(2)
	if err == nil && string(peek) == "--" {
		_, _ = x.r.Discard(2)
		return false, x.skipUntil("-->")
	}
	peek, err = x.r.Peek(7)
	if err == nil && string(peek) == "[CDATA[" {
		_, _ = x.r.Discard(7)
		x.kind, x.text, x.textLen = tokText, x.text[:0], 0
		return true, x.readCDATA()
	}
	return false, xmlErrorf("the XML has a document type declaration or an unknown <! construct, which a workbook never has")
}

// skipUntil discards input up to and including end.
func (x *xmlScanner) skipUntil(end string) error {
	matched := 0
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			return unexpectedEOF(err)
		}
		switch {
		case c == end[matched]:
			if matched++; matched == len(end) {
				return nil
			}
		case c == end[0]:
			matched = 1
		default:
			matched = 0
		}
	}
}

func (x *xmlScanner) readCDATA() error {
	// ]]> ends it; keep the rest, up to maxText.
	brackets := 0
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			return unexpectedEOF(err)
		}
		switch {
		case c == ']':
			brackets++
			continue
		case c == '>' && brackets >= 2:
			for range brackets - 2 {
				x.keep(']')
			}
			return nil
		}
		for ; brackets > 0; brackets-- {
			x.keep(']')
		}
		x.keep(c)
	}
}

// keep appends a byte of text, past maxText only counting it.
func (x *xmlScanner) keep(c byte) {
	x.textLen++
	if len(x.text) < x.maxText {
		x.text = append(x.text, c)
	}
}

func (x *xmlScanner) keepBytes(p []byte) {
	x.textLen += len(p)
	if room := x.maxText - len(x.text); room > 0 {
		x.text = append(x.text, p[:min(room, len(p))]...)
	}
}

// keepAttr appends bytes of an attribute value, up to maxAttr.
func (x *xmlScanner) keepAttr(p []byte) {
	if room := x.attrLimit - len(x.attrBuf); room > 0 {
		x.attrBuf = append(x.attrBuf, p[:min(room, len(p))]...)
	}
}

// readText reads character data up to the next '<', decoding references.
func (x *xmlScanner) readText() error {
	x.kind, x.text, x.textLen = tokText, x.text[:0], 0
	for {
		chunk, err := x.r.ReadSlice('<')
		if err == nil {
			_ = x.r.UnreadByte()
			chunk = chunk[:len(chunk)-1]
		}
		if err := x.decodeInto(chunk, false, errors.Is(err, bufio.ErrBufferFull)); err != nil {
			return err
		}
		switch {
		case err == nil:
			return nil
		case err == io.EOF:
			return nil // text at the end of the part; the next call says EOF
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return err
		}
	}
}

// decodeInto appends raw text, references decoded, to the text token or,
// toAttr, to the attribute value being read. A reference cut by the end of
// raw is completed from the reader when more of the same text follows
// there.
func (x *xmlScanner) decodeInto(raw []byte, toAttr, more bool) error {
	emit := x.keepBytes
	if toAttr {
		emit = x.keepAttr
	}
	for len(raw) > 0 {
		i := indexByte(raw, '&')
		if i < 0 {
			emit(raw)
			return nil
		}
		emit(raw[:i])
		raw = raw[i+1:]
		j := indexByte(raw, ';')
		var ref []byte
		if j >= 0 {
			ref, raw = raw[:j], raw[j+1:]
		} else if !more || len(raw) > maxEntity {
			return xmlErrorf("the XML has a malformed entity reference")
		} else {
			// The reference goes on past this chunk.
			ref = append([]byte(nil), raw...)
			raw = nil
			for {
				c, err := x.r.ReadByte()
				if err != nil {
					return xmlErrorf("the XML ends inside an entity reference")
				}
				if c == ';' {
					break
				}
				if c == '<' || len(ref) > maxEntity {
					return xmlErrorf("the XML has a malformed entity reference")
				}
				ref = append(ref, c)
			}
		}
		var buf [utf8.UTFMax]byte
		dec, err := entity(ref, buf[:0])
		if err != nil {
			return err
		}
		emit(dec)
	}
	return nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// entity decodes the reference &ref; into dst.
func entity(ref, dst []byte) ([]byte, error) {
	switch string(ref) {
	case "lt":
		return append(dst, '<'), nil
	case "gt":
		return append(dst, '>'), nil
	case "amp":
		return append(dst, '&'), nil
	case "quot":
		return append(dst, '"'), nil
	case "apos":
		return append(dst, '\''), nil
	}
	if len(ref) >= 2 && ref[0] == '#' && len(ref) <= maxEntity {
		base, digits := 10, ref[1:]
		if digits[0] == 'x' {
			base, digits = 16, digits[1:]
		}
		n, err := strconv.ParseUint(string(digits), base, 32)
		if err == nil && utf8.ValidRune(rune(n)) {
			return utf8.AppendRune(dst, rune(n)), nil
		}
	}
	if len(ref) > maxEntity {
		ref = ref[:maxEntity]
	}
	return nil, xmlErrorf("the XML has an unknown entity reference &%s;", ref)
}

// readName reads an XML name and returns its local part and whether it had
// a prefix. The byte after the name is left unread.
func (x *xmlScanner) readName() (local []byte, prefixed bool, err error) {
	x.nameBuf = x.nameBuf[:0]
	colon := -1
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			return nil, false, unexpectedEOF(err)
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' || c == '>' || c == '=' {
			_ = x.r.UnreadByte()
			break
		}
		if c == '<' || c == '"' || c == '\'' || c == '&' {
			return nil, false, xmlErrorf("the XML has a malformed tag")
		}
		if c == ':' && colon < 0 {
			colon = len(x.nameBuf)
		}
		if x.nameBuf = append(x.nameBuf, c); len(x.nameBuf) > maxXMLName {
			return nil, false, xmlErrorf("the XML has a name longer than %d bytes", maxXMLName)
		}
	}
	if len(x.nameBuf) == 0 || colon == len(x.nameBuf)-1 {
		return nil, false, xmlErrorf("the XML has a tag without a name")
	}
	return x.nameBuf[colon+1:], colon >= 0, nil
}

func (x *xmlScanner) skipSpace() (byte, error) {
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			return 0, unexpectedEOF(err)
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
	}
}

func (x *xmlScanner) readEndTag() error {
	local, _, err := x.readName()
	if err != nil {
		return err
	}
	x.kind, x.selfClose = tokEnd, false
	x.name = append(x.name[:0], local...)
	if c, err := x.skipSpace(); err != nil || c != '>' {
		if err == nil {
			err = xmlErrorf("the XML has a malformed end tag </%s", x.name)
		}
		return err
	}
	return nil
}

func (x *xmlScanner) readStartTag() error {
	local, _, err := x.readName()
	if err != nil {
		return err
	}
	x.kind, x.selfClose = tokStart, false
	x.name = append(x.name[:0], local...)
	x.attrs, x.attrBuf = x.attrs[:0], x.attrBuf[:0]
	for {
		c, err := x.skipSpace()
		if err != nil {
			return err
		}
		switch c {
		case '>':
			return nil
		case '/':
			if c, err := x.r.ReadByte(); err != nil || c != '>' {
				return xmlErrorf("the XML has a malformed tag <%s", x.name)
			}
			x.selfClose = true
			return nil
		}
		_ = x.r.UnreadByte()
		if len(x.attrs) == maxXMLAttrs {
			return xmlErrorf("the XML has an element with more than %d attributes", maxXMLAttrs)
		}
		aname, prefixed, err := x.readName()
		if err != nil {
			return err
		}
		a := xmlAttr{prefixed: prefixed, nStart: len(x.attrBuf)}
		x.attrBuf = append(x.attrBuf, aname...)
		a.nEnd = len(x.attrBuf)
		if c, err := x.skipSpace(); err != nil || c != '=' {
			return xmlErrorf("the XML has an attribute without a value in <%s", x.name)
		}
		quote, err := x.skipSpace()
		if err != nil {
			return err
		}
		if quote != '"' && quote != '\'' {
			return xmlErrorf("the XML has an unquoted attribute value in <%s", x.name)
		}
		a.start = len(x.attrBuf)
		x.attrLimit = a.start + x.maxAttr
		for {
			chunk, err := x.r.ReadSlice(quote)
			if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
				return unexpectedEOF(err)
			}
			closed := err == nil
			if closed {
				chunk = chunk[:len(chunk)-1]
			}
			if indexByte(chunk, '<') >= 0 {
				return xmlErrorf("the XML has '<' in an attribute value of <%s", x.name)
			}
			if err := x.decodeInto(chunk, true, !closed); err != nil {
				return err
			}
			if closed {
				break
			}
		}
		a.end = len(x.attrBuf)
		x.attrs = append(x.attrs, a)
	}
}
