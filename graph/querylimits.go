package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
)

// Limits on a query's text, checked before it is parsed and validated.
//
// Parsing is linear, but validation is not: a selection that repeats one
// field (`{ city { name name name ... } }`) is checked pair by pair for
// fields that cannot merge. Measured on two cores (gqlparser v2.5.64): 1,000
// tokens of one repeated field take 85 ms to validate, 2,000 take 270 ms,
// 15,000 take 14 s and 30,000 (a 200 KiB body) 108 s, all CPU, which no
// deadline stops. So:
//   - the parser stops at Config.ParserTokenLimit tokens (default
//     DefaultParserTokenLimit): GRAPHQL_PARSE_FAILED, "exceeded token limit";
//     GraphiQL's introspection query is about 200 tokens, the README's largest
//     example about 250;
//   - a selection set may name one response name (a field, or its alias) at
//     most maxRepeatedField times, fragment spreads included: beyond,
//     GRAPHQL_VALIDATION_FAILED before validation starts. No useful query
//     asks for the same field twice in one place.
// Within both, the worst query validates in milliseconds.

// DefaultParserTokenLimit is the most tokens a query may have when
// Config.ParserTokenLimit is 0.
const DefaultParserTokenLimit = 2000

// maxRepeatedField is how often a selection set may repeat a response name.
const maxRepeatedField = 20

// queryShapeLimit refuses repetitive queries before they are validated
// (an OperationParameterMutator: it runs after automatic persisted queries
// have filled in the query, before the parser).
type queryShapeLimit struct{ tokens int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = queryShapeLimit{}

func (queryShapeLimit) ExtensionName() string                   { return "QueryShapeLimit" }
func (queryShapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l queryShapeLimit) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, err := checkRepetition(p.Query, l.tokens); err != nil {
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	return nil
}

// checkRepetition reads the query's tokens (at most limit of them: the parser
// refuses longer queries anyway) and returns an error when a selection set
// repeats a response name more than maxRepeatedField times; tokens is how
// many it read, so the cost is linear in the query and stops at the first
// name repeated too often. An inline fragment's fields count with the
// selection set around it, into which they merge. It does not check the
// syntax: a malformed query is left to the parser.
func checkRepetition(query string, limit int) (tokens int, err *gqlerror.Error) {
	lex := lexer.New(&ast.Source{Input: query})
	var (
		sets   []map[string]int // the open selection sets' response names
		parens int              // inside arguments or variable definitions
		skip   int              // names still to skip: a field after its alias, a spread's fragment, a directive
		inline bool             // after a spread that is an inline fragment's: its selection set merges
		last   lexer.Type
	)
	for ; limit <= 0 || tokens <= limit; tokens++ {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return tokens, nil
		}
		switch tok.Kind {
		case lexer.ParenL:
			parens++
		case lexer.ParenR:
			parens = max(parens-1, 0)
		case lexer.BraceL:
			if parens == 0 {
				if inline && len(sets) > 0 {
					sets = append(sets, sets[len(sets)-1])
				} else {
					sets = append(sets, map[string]int{})
				}
				skip, inline = 0, false
			}
		case lexer.BraceR:
			if parens == 0 && len(sets) > 0 {
				sets = sets[:len(sets)-1]
			}
		case lexer.Colon:
			if parens == 0 && last == lexer.Name {
				skip = 1 // alias: the field's own name follows
			}
		case lexer.At:
			if parens == 0 {
				skip = 1 // a directive's name
			}
		case lexer.Spread:
			if parens == 0 {
				skip, inline = -1, true // the next name is a fragment's, or "on" before a type
			}
		case lexer.Name:
			if parens > 0 || len(sets) == 0 {
				break
			}
			name := tok.Value
			switch {
			case skip == -1 && name == "on":
				skip = 1 // an inline fragment's type
				name = ""
			case skip == -1:
				skip, name, inline = 0, "..."+name, false
			case skip > 0:
				skip--
				name = ""
			}
			if name == "" {
				break
			}
			set := sets[len(sets)-1]
			if set[name]++; set[name] > maxRepeatedField {
				return tokens, gqlerror.ErrorPosf(&tok.Pos, "%s is asked %d times in one selection set; at most %d", describe(name), set[name], maxRepeatedField)
			}
		}
		last = tok.Kind
	}
	return tokens, nil
}

func describe(name string) string {
	if len(name) > 3 && name[:3] == "..." {
		return "fragment " + name[3:]
	}
	return "field " + name
}
